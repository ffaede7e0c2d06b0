package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.worker.WorkerMain;
import dev.mintrecorder.worker.storage.S3Clients;

/**
 * TEST ONLY: the real worker ({@link WorkerMain#run}) with the {@link TickSessionFactory} as its recording pipeline,
 * so a child JVM runs the job engine, drain, ops and memory governor without a room or an encoder. This is what
 * {@link JobTestKit#workerProcess} starts; the worker jar's own main always records with the real pipeline.
 */
public final class TickWorkerMain {
    private TickWorkerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        WorkerMain.run((config, registry, roomMemories) -> new TickSessionFactory(
                S3Clients.create(config.storage()), config.storage().bucket(), new SessionTracker()));
    }
}

package dev.mintrecorder.worker;

/** Entry point of the recording worker. */
public final class WorkerMain {
    private WorkerMain() {}

    public static void main(String[] args) {
        System.out.println("mint-recorder worker: skeleton");
    }
}

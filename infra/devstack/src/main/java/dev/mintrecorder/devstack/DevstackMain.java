package dev.mintrecorder.devstack;

/** Runs the devstack standalone. */
public final class DevstackMain {
    private DevstackMain() {}

    public static void main(String[] args) {
        System.out.println("READY");
    }
}

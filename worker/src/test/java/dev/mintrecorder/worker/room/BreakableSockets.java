package dev.mintrecorder.worker.room;

import javax.net.SocketFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * TEST ONLY: a {@link SocketFactory} for {@link RoomClient} whose sockets the test can break, so a connection is lost
 * in this JVM the way a network error loses it: OkHttp's read fails and the signal socket is gone.
 */
final class BreakableSockets extends SocketFactory {
    private final SocketFactory sockets = SocketFactory.getDefault();
    private final List<Socket> made = new CopyOnWriteArrayList<>();

    /** Closes every socket made so far, under whoever is reading or writing it. */
    void breakAll() throws IOException {
        for (Socket socket : made) {
            socket.close();
        }
        made.clear();
    }

    private Socket track(Socket socket) {
        made.add(socket);
        return socket;
    }

    @Override
    public Socket createSocket() throws IOException {
        return track(sockets.createSocket());
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return track(sockets.createSocket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return track(sockets.createSocket(host, port, localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return track(sockets.createSocket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return track(sockets.createSocket(address, port, localAddress, localPort));
    }
}

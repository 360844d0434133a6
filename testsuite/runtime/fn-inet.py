# The workload of fn-inet.stp: one TCP connection over IPv4 and one over
# IPv6, on the loopback, between fixed addresses and ports. The client
# sees the server's FIN before it closes (recv returns EOF) and its close
# lingers until its own FIN is acknowledged, so that its states follow
# one order however late the kernel's softirqs run.
import socket
import struct


def connect(family, server, client):
    s = socket.socket(family)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(server)
    s.listen(1)
    c = socket.socket(family)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    c.bind(client)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 10))
    c.connect(server)
    a, _ = s.accept()
    a.close()
    assert c.recv(1) == b""
    c.close()
    s.close()


connect(socket.AF_INET, ("127.0.0.1", 45831), ("127.0.0.2", 45832))
connect(socket.AF_INET6, ("::1", 45833), ("::1", 45834))

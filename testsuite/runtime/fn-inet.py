# The workload of fn-inet.stp: one TCP connection over IPv4 and one over
# IPv6, on the loopback, between fixed addresses and ports.
import socket


def connect(family, server, client):
    s = socket.socket(family)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(server)
    s.listen(1)
    c = socket.socket(family)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    c.bind(client)
    c.connect(server)
    a, _ = s.accept()
    a.close()
    c.close()
    s.close()


connect(socket.AF_INET, ("127.0.0.1", 45831), ("127.0.0.2", 45832))
connect(socket.AF_INET6, ("::1", 45833), ("::1", 45834))

"""Listen on UDP ports and append every datagram received to a log, one line per datagram.

Usage: udp_probe.py LOGFILE PORT [PORT...]   (binds every port on IPv4 and IPv6)
"""
import selectors
import socket
import sys


def main():
    log_path, ports = sys.argv[1], [int(port) for port in sys.argv[2:]]
    selector = selectors.DefaultSelector()
    for port in ports:
        sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind(("::", port))
        selector.register(sock, selectors.EVENT_READ, port)
    while True:
        for key, _events in selector.select():
            data, peer = key.fileobj.recvfrom(512)
            with open(log_path, "a", encoding="utf-8") as log:
                log.write("%d %s %s\n" % (key.data, peer[0], data.decode("ascii", "replace").strip()))


if __name__ == "__main__":
    main()

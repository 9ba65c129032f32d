"""A webhook for the notification test: records every POST body, one JSON line each, in a file."""
import http.server
import socket
import sys


class Recorder(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(sys.argv[1], "ab") as out:
            out.write(body.replace(b"\n", b" ") + b"\n")
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


class Server(http.server.HTTPServer):
    address_family = socket.AF_INET6


if __name__ == "__main__":
    server = Server(("::", int(sys.argv[2])), Recorder)
    server.serve_forever()

#!/usr/bin/env python3
"""http_server.py ADDR PORT DIR — the kernel-side web server for the
tapir-get tests: Python's SimpleHTTPRequestHandler speaking HTTP/1.1, so
that connections are kept alive (http.server alone answers in HTTP/1.0),
plus two bodies framed the other ways a client must read (RFC 9112 6.3):
/chunked (Transfer-Encoding: chunked) and /until-close (no length: the body
ends when the server closes)."""
import http.server
import os
import sys

PIECES = [b"chunked ", b"body ", b"in ", b"pieces\n"]


class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in PIECES:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
            return
        if self.path == "/until-close":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"body until the connection closes\n")
            self.close_connection = True
            return
        super().do_GET()

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.client_address[1], fmt % args))


os.chdir(sys.argv[3])
http.server.ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), Handler).serve_forever()

#!/usr/bin/python3
"""A small HTTPS server that receives webhooks, for responder's tests.

Run with Debian's /usr/bin/python3 (standard library only):

    https_receiver.py --cert CERT.pem --key KEY.pem --record DIR --port-file FILE
                      [--host 127.0.0.1] [--port 0] [--plain]
                      [--answer SPEC]... [--control FILE]

Listens on --host (127.0.0.1) at --port (0: a free port chosen by the
kernel), serving TLS with --cert/--key (unless --plain: plain HTTP). Once
listening it writes the port number, a newline, to --port-file (atomically:
the file appears complete or not at all).

Every request is recorded before it is answered, as DIR/NNNN.json (NNNN
counts from 0001 in arrival order, written atomically) holding
{"method", "path", "headers": [[name, value], ...], "body"} (body as text,
undecodable bytes replaced).

Answers: each request takes the next SPEC in order; the last one repeats
for every request after it. Without --answer every request gets 200. A SPEC
is one of
    STATUS[;Header=Value]...   e.g. "200", "429;Retry-After=1",
                               "503;Retry-After=Wed, 21 Oct 2037 07:28:00 GMT",
                               "301;Location=https://elsewhere.example/";
                               the pseudo-header body=TEXT sets the body
                               (default: "ok" for 2xx, else the reason phrase)
    hang                       read the request, record it, never answer
                               (the connection stays open until the server dies)
    close                      record the request, close without answering
--control FILE: when FILE exists, its lines (one SPEC each) replace the
answers and restart at the first, each time its content changes; a test or
an end-to-end run can re-program a running server this way.

The server handles each connection in its own thread and runs until killed.
It prints one line per request on standard error.
"""
import argparse
import http.server
import json
import os
import socket
import ssl
import sys
import threading
import time


class Answers:
    def __init__(self, specs, control):
        self.lock = threading.Lock()
        self.specs = specs or ["200"]
        self.next = 0
        self.control = control
        self.control_text = None

    def take(self):
        with self.lock:
            if self.control and os.path.exists(self.control):
                with open(self.control) as f:
                    text = f.read()
                if text != self.control_text:
                    self.control_text = text
                    lines = [line.strip() for line in text.splitlines() if line.strip()]
                    self.specs = lines or ["200"]
                    self.next = 0
            spec = self.specs[min(self.next, len(self.specs) - 1)]
            self.next += 1
            return spec


class Recorder:
    def __init__(self, directory):
        self.directory = directory
        self.lock = threading.Lock()
        self.count = 0

    def record(self, entry):
        with self.lock:
            self.count += 1
            name = os.path.join(self.directory, "%04d.json" % self.count)
        tmp = name + ".tmp"
        with open(tmp, "w") as f:
            json.dump(entry, f)
        os.rename(tmp, name)


def make_handler(answers, recorder):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self):
            if isinstance(self.request, ssl.SSLSocket):
                self.request.do_handshake()
            super().setup()

        def log_message(self, format, *args):
            sys.stderr.write("%s %s\n" % (self.address_string(), format % args))

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
            recorder.record({
                "method": self.command,
                "path": self.path,
                "headers": [[k, v] for k, v in self.headers.items()],
                "body": body.decode("utf-8", "replace"),
            })
            spec = answers.take()
            if spec == "hang":
                while True:
                    time.sleep(3600)
            if spec == "close":
                self.close_connection = True
                self.request.close()
                return
            parts = spec.split(";")
            status = int(parts[0])
            headers = []
            text = None
            for part in parts[1:]:
                name, _, value = part.partition("=")
                if name == "body":
                    text = value
                else:
                    headers.append((name, value))
            if text is None:
                text = "ok" if 200 <= status < 300 else self.responses.get(status, ("error",))[0]
            payload = text.encode()
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(payload)
            self.close_connection = True

        do_POST = do_PUT = do_GET = handle_any

    return Handler


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    tls = None

    def get_request(self):
        sock, address = self.socket.accept()
        if self.tls:
            # The handshake runs in the connection's own thread (setup), so a
            # client that stalls or fails it never blocks the others.
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def handle_error(self, request, client_address):
        sys.stderr.write("%s: %s\n" % (client_address[0], sys.exc_info()[1]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--plain", action="store_true")
    parser.add_argument("--record", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--answer", action="append", default=[])
    parser.add_argument("--control")
    args = parser.parse_args()

    os.makedirs(args.record, exist_ok=True)
    Server.address_family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    server = Server((args.host, args.port), make_handler(Answers(args.answer, args.control), Recorder(args.record)))
    if not args.plain:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(args.cert, args.key)
        server.tls = tls
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""A real SMTP server for the smtp channel's tests: Debian's aiosmtpd on
127.0.0.1, on a port the kernel picks (written to --port-file once it
listens). Each message received goes to --messages as N.json (envelope) and
N.eml (the data as received, after dot-unstuffing). Every byte a client
sends is appended to --messages/plain (before TLS) or --messages/tls, so a
test can show what crossed the wire in the clear.

  --tls starttls   offer STARTTLS with --cert/--key (AUTH only after it)
  --tls implicit   TLS from the first byte (port 465 style)
  --tls off        no TLS at all: no STARTTLS in the EHLO reply
  --user U --password P   accept AUTH PLAIN and LOGIN for U with P
"""
import argparse
import asyncio
import json
import os
import ssl

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Recorded(SMTP):
    """aiosmtpd's server, keeping what the client sent, in the clear or not."""

    directory = None
    implicit_tls = False

    def data_received(self, data):
        tls = self.implicit_tls or self._tls_protocol is not None
        with open(os.path.join(self.directory, "tls" if tls else "plain"), "ab") as out:
            out.write(data)
        super().data_received(data)


class SaveMessages:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.directory, str(self.count))
        with open(base + ".eml.part", "wb") as out:
            out.write(envelope.original_content)
        os.rename(base + ".eml.part", base + ".eml")
        with open(base + ".json.part", "w") as out:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                       "mail_options": envelope.mail_options,
                       "tls": session.ssl is not None,
                       "authenticated": bool(session.authenticated)}, out)
        os.rename(base + ".json.part", base + ".json")
        return "250 2.0.0 Ok: queued as test-%d" % self.count


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        good = (isinstance(auth_data, LoginPassword) and auth_data.login == user.encode()
                and auth_data.password == password.encode())
        return AuthResult(success=good, handled=False)
    return check


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--messages", required=True)
    parser.add_argument("--tls", choices=["starttls", "implicit", "off"], default="starttls")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--user")
    parser.add_argument("--password")
    args = parser.parse_args()

    context = None
    if args.tls != "off":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
    Recorded.directory = args.messages
    Recorded.implicit_tls = args.tls == "implicit"
    handler = SaveMessages(args.messages)
    options = dict(hostname="smtp-test.invalid", auth_require_tls=args.tls == "starttls")
    if args.user:
        options["authenticator"] = authenticator(args.user, args.password)
    if args.tls == "starttls":
        options["tls_context"] = context
        options["require_starttls"] = True

    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Recorded(handler, **options), "127.0.0.1", 0,
                                      ssl=context if args.tls == "implicit" else None)
    port = server.sockets[0].getsockname()[1]
    with open(args.port_file + ".part", "w") as out:
        out.write(str(port))
    os.rename(args.port_file + ".part", args.port_file)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())

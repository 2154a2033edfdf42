"""A real SMTP server on loopback for Tegoed's tests and benchmark (aiosmtpd, Debian's
python3-aiosmtpd). Every message it accepts is written whole to DIR as one .eml file (written
to a temporary name, then renamed, so a reader never sees half a message). Recipients whose
address contains "bounce" are refused for good (550), those containing "later" for now (451),
as a real mail server does for an unknown mailbox or a full queue; for a recipient containing
"drop" the message is kept and the connection cut before the answer, as when a network fails
at the worst moment.

    python3 smtp_server.py PORT DIR
Prints "ready" once it listens.
"""
import asyncio
import os
import sys

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if "bounce" in address:
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        if "later" in address:
            return "451 4.3.0 <%s>: Temporary lookup failure" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        name = os.path.join(self.folder, "%06d.eml" % self.count)
        with open(name + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(name + ".tmp", name)
        if any("drop" in r for r in envelope.rcpt_tos):
            server.transport.abort()
        return "250 2.0.0 Ok: queued as %06d" % self.count


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    os.makedirs(folder, exist_ok=True)
    controller = Controller(Handler(folder), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        asyncio.get_event_loop().run_until_complete(asyncio.Event().wait())
    finally:
        controller.stop()


if __name__ == "__main__":
    main()

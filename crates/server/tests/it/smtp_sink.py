"""A real SMTP server for the e-mail tests (aiosmtpd): every message it receives is parsed
and written to DIR as N.json (envelope sender and recipients, decoded subject, plain-text
and HTML bodies). Usage: python3 smtp_sink.py PORT DIR. Writes DIR/ready once listening;
runs until killed."""
import email
import json
import os
import sys
import time
from email import policy

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.n = 0

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        m = email.message_from_bytes(raw, policy=policy.default)
        plain = m.get_body(("plain",))
        html = m.get_body(("html",))
        rec = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(m["from"]),
            "to": str(m["to"]),
            "subject": str(m["subject"]),
            "message_id": str(m["message-id"]),
            "plain": plain.get_content() if plain is not None else None,
            "html": html.get_content() if html is not None else None,
        }
        self.n += 1
        tmp = os.path.join(self.folder, f".{self.n}.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(rec, f, ensure_ascii=False)
        os.rename(tmp, os.path.join(self.folder, f"{self.n}.json"))
        return "250 Message accepted"


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    c = Controller(Sink(folder), hostname="127.0.0.1", port=port)
    c.start()
    open(os.path.join(folder, "ready"), "w").close()
    while True:
        time.sleep(1)


if __name__ == "__main__":
    main()

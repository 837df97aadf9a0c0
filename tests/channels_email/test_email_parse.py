"""Parsing raw RFC 5322 bytes: bodies, HTML, attachments, quoted history, charsets, threading headers."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from comptoir.channels.email import (
    decode_bytes,
    format_msgid,
    html_to_text,
    msgid_domain,
    parse_email,
    parse_msgids,
    trim_quoted,
)


def crlf(text: str, encoding: str = "utf-8") -> bytes:
    return text.replace("\n", "\r\n").encode(encoding)


PLAIN = crlf(
    """From: "Alice Martin" <Alice.Martin@Example.COM>
To: Support <care@shop.example>, sales@shop.example
Cc: bob@example.com
Subject: My order #1234 has not arrived
Date: Tue, 12 Mar 2024 09:15:00 +0100
Message-ID: <CAF1234.abc@mail.example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Hello,

I ordered a kettle ten days ago and it has still not arrived.
Can you tell me where it is?

Alice
"""
)


def test_plain_message_fields() -> None:
    email = parse_email(PLAIN)
    assert email.message_id == "CAF1234.abc@mail.example.com"
    assert not email.message_id_synthesised
    assert email.from_ is not None
    assert email.from_.address == "alice.martin@example.com"
    assert email.from_.name == "Alice Martin"
    assert [a.address for a in email.to] == ["care@shop.example", "sales@shop.example"]
    assert email.to[0].name == "Support"
    assert [a.address for a in email.cc] == ["bob@example.com"]
    assert email.subject == "My order #1234 has not arrived"
    assert email.date == datetime(2024, 3, 12, 8, 15, tzinfo=UTC)
    assert email.date is not None and email.date.tzinfo is UTC
    assert email.body_format == "plain"
    assert email.text.startswith("Hello,\n\nI ordered a kettle")
    assert email.text.endswith("Alice")
    assert "\r" not in email.text
    assert email.attachments == ()
    assert email.in_reply_to == () and email.references == ()
    assert email.thread_root == "CAF1234.abc@mail.example.com"


HTML_ONLY = crlf(
    """From: Bob <bob@example.org>
To: care@shop.example
Subject: =?UTF-8?Q?Probl=C3=A8me_de_livraison?=
Date: Wed, 13 Mar 2024 18:00:00 -0000
Message-ID: <html-1@example.org>
MIME-Version: 1.0
Content-Type: text/html; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

<html><head><style>p {color: red}</style><title>ignored title</title></head>
<body><p>Bonjour,</p><p>Mon colis est arriv=C3=A9 <b>ab=C3=AEm=C3=A9</b>.<br>Voir la
<a href=3D"https://shop.example/orders/77">commande&nbsp;77</a>.</p>
<ul><li>une tasse cass=C3=A9e</li><li>un couvercle tordu</li></ul>
<ol><li>first</li><li>second</li></ol>
<table><tr><th>Article</th><th>Prix</th></tr><tr><td>Tasse</td><td>12 &euro;</td></tr></table>
<script>document.write("tracking")</script>
<p>Merci &amp; =C3=A0 bient=C3=B4t</p></body></html>
"""
)


def test_html_only_message_is_converted_to_readable_text() -> None:
    email = parse_email(HTML_ONLY)
    assert email.subject == "Problème de livraison"
    assert email.body_format == "html"
    assert email.html is not None and "<b>" in email.html
    # "-0000": UTC with no local-zone information, still an aware datetime
    assert email.date == datetime(2024, 3, 13, 18, 0, tzinfo=UTC)
    assert email.text == (
        "Bonjour,\n\n"
        "Mon colis est arrivé abîmé.\n"
        "Voir la commande 77 (https://shop.example/orders/77).\n\n"
        "- une tasse cassée\n"
        "- un couvercle tordu\n\n"
        "1. first\n"
        "2. second\n\n"
        "Article | Prix\n"
        "Tasse | 12 €\n\n"
        "Merci & à bientôt"
    )
    assert "tracking" not in email.text and "ignored title" not in email.text and "color" not in email.text


def _multipart_with_attachment() -> bytes:
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 8  # 2,057 bytes of binary content
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    body = f"""From: Claire <claire@example.net>
To: care@shop.example
Subject: Invoice attached
Date: Thu, 14 Mar 2024 10:00:00 +0000
Message-ID: <multi-1@example.net>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="OUTER"

--OUTER
Content-Type: multipart/alternative; boundary="INNER"

--INNER
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

Voici la facture demand=E9e.

--INNER
Content-Type: text/html; charset=utf-8

<p>Voici la facture <b>HTML</b>.</p>
--INNER--

--OUTER
Content-Type: application/pdf; name="facture-mars.pdf"
Content-Disposition: attachment; filename="facture-mars.pdf"
Content-Transfer-Encoding: base64

{base64.encodebytes(pdf).decode()}
--OUTER
Content-Type: image/png
Content-Disposition: inline; filename="=?utf-8?q?photo_=C3=A9t=C3=A9.png?="
Content-ID: <img1@example.net>
Content-Transfer-Encoding: base64

{base64.encodebytes(png).decode()}
--OUTER
Content-Type: message/rfc822
Content-Disposition: attachment

From: someone@example.com
Subject: forwarded

inner body must not become the text
--OUTER--
"""
    return crlf(body)


def test_multipart_prefers_plain_and_lists_attachments_as_metadata() -> None:
    email = parse_email(_multipart_with_attachment())
    assert email.body_format == "plain"
    assert email.text == "Voici la facture demandée."
    assert email.html is not None and "<b>HTML</b>" in email.html
    assert [(a.name, a.mime_type, a.size, a.inline) for a in email.attachments] == [
        ("facture-mars.pdf", "application/pdf", 2057, False),
        ("photo été.png", "image/png", 108, True),
        (None, "message/rfc822", email.attachments[2].size, False),
    ]
    assert email.attachments[1].content_id == "img1@example.net"
    assert email.attachments[2].size > 0
    assert "inner body" not in email.text


def test_plain_part_empty_falls_back_to_html() -> None:
    raw = crlf(
        """From: d@example.com
Subject: x
Message-ID: <e@example.com>
Content-Type: multipart/alternative; boundary="B"

--B
Content-Type: text/plain; charset=utf-8

\x20\x20
--B
Content-Type: text/html; charset=utf-8

<div>Real content</div>
--B--
"""
    )
    email = parse_email(raw)
    assert (email.body_format, email.text) == ("html", "Real content")


QUOTED_EN = crlf(
    """From: alice@example.com
To: care@shop.example
Subject: Re: My order #1234 has not arrived
Message-ID: <reply-en@example.com>
In-Reply-To: <comptoir.1@shop.example>
References: <CAF1234.abc@mail.example.com> <comptoir.1@shop.example>
Content-Type: text/plain; charset=utf-8

Thanks, the tracking link works now.

> inline quote
My comment between quotes.

On Tue, 12 Mar 2024 at 10:00, Shop Care <
care@shop.example> wrote:
> Hello Alice,
> here is your tracking link.
>
>> older quote
"""
)


def test_quoted_reply_english_is_trimmed() -> None:
    email = parse_email(QUOTED_EN)
    assert "here is your tracking link" in email.text  # the full body is kept
    assert email.reply_text == "Thanks, the tracking link works now.\n\nMy comment between quotes."


def test_quoted_reply_french_is_trimmed() -> None:
    text = (
        "Merci beaucoup, c'est réglé.\n\n"
        "Cordialement,\nRenée\n\n"
        "Le mar. 12 mars 2024 à 10:00, Service Client <care@shop.fr> a écrit\u00a0:\n"
        "> Bonjour Renée,\n> voici le lien de suivi.\n"
    )
    assert trim_quoted(text) == "Merci beaucoup, c'est réglé.\n\nCordialement,\nRenée"
    wrapped = "D'accord.\n\nLe 12/03/2024 à 10:00, Service\nClient a écrit :\n> texte\n"
    assert trim_quoted(wrapped) == "D'accord."


def test_outlook_styles_are_trimmed() -> None:
    original = "I still need help.\n\n-----Original Message-----\nFrom: Shop Care\nSent: Monday\n\nold text\n"
    assert trim_quoted(original) == "I still need help."
    outlook_en = (
        "Please refund me.\n\n________________________________\n"
        "From: Shop Care <care@shop.example>\nSent: Tuesday, March 12, 2024 10:00 AM\n"
        "To: Alice <alice@example.com>\nSubject: RE: order\n\nOld answer.\n"
    )
    assert trim_quoted(outlook_en) == "Please refund me."
    outlook_fr = (
        "Toujours rien reçu.\n\n"
        "De : Service Client <care@shop.fr>\nEnvoyé : mardi 12 mars 2024 10:00\n"
        "À : Renée <renee@example.fr>\nObjet : RE: commande\n\nAncienne réponse.\n"
    )
    assert trim_quoted(outlook_fr) == "Toujours rien reçu."
    banner_fr = "Voir plus bas.\n\n----- Message d'origine -----\nDe: x\nancien"
    assert trim_quoted(banner_fr) == "Voir plus bas."


def test_trimming_keeps_text_that_only_looks_like_a_header_or_is_all_quote() -> None:
    # A lone "From:" line not followed by other header lines is the customer's text.
    text = "From: Paris, I ordered a lamp.\nIt never came."
    assert trim_quoted(text) == text
    # Nothing but quotes: return the untrimmed text rather than an empty message.
    assert trim_quoted("> only a quote\n> nothing else") == "> only a quote\n> nothing else"


def test_html_reply_with_gmail_quote_and_blockquote_is_trimmed() -> None:
    html = (
        '<div dir="ltr">Got it, thanks!<br></div><br>'
        '<div class="gmail_quote"><div class="gmail_attr">On Tue, Mar 12, 2024 at 10:00 AM Shop '
        "&lt;care@shop.example&gt; wrote:<br></div>"
        "<blockquote>Here is <b>the old</b> answer.</blockquote></div>"
    )
    text = html_to_text(html)
    assert text.startswith("Got it, thanks!")
    assert trim_quoted(text) == "Got it, thanks!"
    thunderbird = (
        "<p>Still broken.</p><div class='moz-cite-prefix'>On 12/03/2024 10:00, Shop wrote:<br></div>"
        "<blockquote type='cite'>old</blockquote>"
    )
    assert trim_quoted(html_to_text(thunderbird)) == "Still broken."
    outlook_html = (
        "<div>Merci.</div><hr><div id='divRplyFwdMsg'><b>De :</b> Service &lt;care@shop.fr&gt;<br>"
        "<b>Envoyé :</b> mardi<br><b>Objet :</b> RE: x</div><div>ancien message</div>"
    )
    assert trim_quoted(html_to_text(outlook_html)) == "Merci."


def test_bad_charsets_never_raise_and_recover_the_text() -> None:
    # Declared charset unknown, body actually Latin-1; Subject raw 8-bit; From encoded word in Latin-1.
    raw = (
        b"From: =?iso-8859-1?q?Ren=E9e_Dupr=E9?= <renee@example.fr>\r\n"
        b"Subject: Caf\xe9 cass\xe9 =?utf-8?q?tr=C3=A8s?= =?utf-8?b?w6ljaMOp?=\r\n"
        b"Message-ID: <bad-charset@example.fr>\r\n"
        b"Content-Type: text/plain; charset=x-no-such-charset\r\n\r\n"
        b"J'ai re\xe7u un caf\xe9 cass\xe9.\r\n"
    )
    email = parse_email(raw)
    assert email.from_ is not None and email.from_.name == "Renée Dupré"
    assert email.subject == "Café cassé trèséché"
    assert email.text == "J'ai reçu un café cassé."
    # Declared UTF-8 but invalid bytes: Windows-1252 fallback, no exception.
    lying = (
        b"From: x@example.com\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nprix: 10\x80 \xe9t\xe9\r\n"
    )
    assert parse_email(lying).text == "prix: 10€ été"
    assert decode_bytes(b"\xff\xfe\x00", "utf-8") == "ÿþ\x00"
    assert decode_bytes("日本".encode("iso-2022-jp"), "ISO-2022-JP") == "日本"
    # Broken base64 payload and garbage headers: still a ParsedEmail.
    broken = (
        b"From: <<<>>>\r\nDate: not a date\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64***\r\n"
    )
    parsed = parse_email(broken)
    assert parsed.from_ is None and parsed.date is None


def test_long_body_is_kept_whole() -> None:
    paragraph = "Le produit ne fonctionne pas comme prévu et je souhaite un remboursement. "
    body = (paragraph * 80)[:5000]
    raw = (
        "From: long@example.com\nSubject: long\nMessage-ID: <long@example.com>\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
        + base64.encodebytes(body.encode()).decode()
    )
    email = parse_email(crlf(raw))
    assert len(body) == 5000
    assert email.text == body.strip()
    assert email.reply_text == body.strip()


def test_missing_message_id_is_synthesised_deterministically() -> None:
    raw = b"From: a@example.com\r\nSubject: no id\r\n\r\nhello\r\n"
    first, second = parse_email(raw), parse_email(raw)
    assert first.message_id_synthesised
    assert first.message_id == second.message_id
    assert first.message_id.endswith("@comptoir.invalid")
    assert parse_email(raw + b"!").message_id != first.message_id


def test_threading_headers() -> None:
    email = parse_email(QUOTED_EN)
    assert email.in_reply_to == ("comptoir.1@shop.example",)
    assert email.references == ("CAF1234.abc@mail.example.com", "comptoir.1@shop.example")
    assert email.thread_ids == ("comptoir.1@shop.example", "CAF1234.abc@mail.example.com")
    assert email.thread_root == "CAF1234.abc@mail.example.com"
    # Folded References over several lines, a duplicate, and IDs without brackets.
    raw = crlf(
        "From: a@example.com\nMessage-ID: <c@x.example>\nReferences: <a@x.example>\n <b@x.example>\n\t<a@x.example>\n"
        "In-Reply-To: b@x.example (Bob's message)\n\nbody\n"
    )
    email = parse_email(raw)
    assert email.references == ("a@x.example", "b@x.example")
    assert email.in_reply_to == ("b@x.example",)
    assert email.thread_ids == ("b@x.example", "a@x.example")
    assert parse_msgids("<one@a> junk <two@b>") == ("one@a", "two@b")
    assert parse_msgids(None) == ()
    assert format_msgid("x@y") == "<x@y>" == format_msgid("<x@y>")
    assert msgid_domain("<abc@Mail.Shop.Example>") == "mail.shop.example"
    assert msgid_domain("no-domain") is None


def test_reply_to_and_header_lookup() -> None:
    raw = crlf(
        "From: Shop Robot <robot@shop.example>\nReply-To: Alice <alice@example.com>\nX-Custom: one\n"
        "X-Custom: two\nMessage-ID: <r@x>\n\nbody\n"
    )
    email = parse_email(raw)
    assert [a.address for a in email.reply_to] == ["alice@example.com"]
    assert email.header("x-custom") == "one"
    assert email.header_all("X-CUSTOM") == ["one", "two"]
    assert email.header("Absent") is None


def test_hostile_nesting_does_not_crash() -> None:
    parts = "".join(f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n' for i in range(3000))
    raw = (
        "From: a@b.example\r\nSubject: deep\r\n" + parts + "Content-Type: text/plain\r\n\r\nhi\r\n"
    ).encode()
    email = parse_email(raw)
    assert email.subject == "deep"
    assert email.from_ is not None and email.from_.address == "a@b.example"

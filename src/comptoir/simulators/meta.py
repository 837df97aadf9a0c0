"""A local stand-in for Meta (Facebook Page, Messenger, Instagram) that speaks the documented contract.

Towards Comptoir it performs the ``hub.*`` handshake and POSTs signed notifications
(``X-Hub-Signature-256`` hex HMAC of the ASCII-escaped body, plus the legacy ``X-Hub-Signature`` sha1),
redelivering on non-2xx per ``retry_delays``. As the Graph API it accepts the Send API
(``POST /{version}/{page|ig-account|me}/messages``, JSON or form fields holding JSON), public comment
replies (``POST /{version}/{comment-id}/comments``, Instagram ``/replies``), profile reads
(``GET /{version}/{user-id}``) and ``subscribed_apps``; it enforces the 24 h / HUMAN_AGENT 7-day windows,
the retired tags (code 100), one private reply per comment within 7 days, a per-account send rate
(code 32), and echoes every accepted send (``is_echo``, our ``metadata``, the ``app_id``).

Drive it from Python (:class:`MetaSimulator` methods) or over HTTP (``/_sim/*`` control endpoints).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from comptoir import clock
from comptoir.simulators.common import DeliveryRecord, Fault, SimulatorBase, WebhookSender

RETIRED_TAGS = frozenset({"CONFIRMED_EVENT_UPDATE", "ACCOUNT_UPDATE", "POST_PURCHASE_UPDATE"})
FACEBOOK_TAGS = frozenset({"HUMAN_AGENT", "CUSTOMER_FEEDBACK", *RETIRED_TAGS})
WINDOW_SUBCODE = {"facebook": 2018278, "instagram": 2534022}


@dataclass
class MetaSimConfig:
    app_secret: str
    verify_token: str = "verify-me"
    webhook_url: str | None = None  # Comptoir's /webhooks/meta/<app id>
    page_id: str = "1122334455"
    page_name: str = "Your Brand"
    ig_account_id: str = "17841400000000001"
    ig_username: str = "yourbrand"
    app_id: str = "1517776481860111"
    access_token: str | None = None  # when set, Graph calls must carry it
    graph_version: str = "v25.0"
    retry_delays: tuple[float, ...] = (1.0, 5.0, 30.0)
    send_limit: tuple[int, float] = (300, 1.0)  # Send API calls per window seconds and account
    legacy_sha1: bool = True
    echo_before_response: bool = False  # deliver the echo before answering the send (race tests)
    delivery_receipts: bool = False  # emit message_deliveries after each accepted send


@dataclass
class _Comment:
    id: str
    platform: str
    account_id: str
    post_id: str
    parent_id: str | None
    author_id: str
    text: str
    created_at: datetime
    private_replied: bool = False


@dataclass
class _Customer:
    id: str
    platform: str
    name: str | None = None
    username: str | None = None
    followers: int = 0
    verified: bool = False
    last_message_at: dict[str, datetime] = field(default_factory=dict)  # account id -> last inbound


class GraphError(Exception):
    def __init__(self, code: int, message: str, *, subcode: int | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.subcode, self.status, self.message = code, subcode, status, message

    def response(self, headers: dict[str, str] | None = None) -> JSONResponse:
        error: dict[str, Any] = {
            "message": self.message,
            "type": "OAuthException",
            "code": self.code,
            "fbtrace_id": secrets.token_urlsafe(8),
        }
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        return JSONResponse({"error": error}, status_code=self.status, headers=headers)


class MetaSimulator(SimulatorBase):
    name = "meta"

    def __init__(self, config: MetaSimConfig) -> None:
        self.config = config
        super().__init__(
            WebhookSender(config.webhook_url, self._sign, retry_delays=config.retry_delays),
            {"send": config.send_limit},
        )
        self.customers: dict[tuple[str, str], _Customer] = {}
        self.comments: dict[str, _Comment] = {}
        self.posts: dict[str, str] = {}  # post id -> account id
        self.app = self._build_app()

    # -- signing -----------------------------------------------------------------------------------

    def _sign(self, body: bytes) -> dict[str, str]:
        mode, secret = self.signature_mode, self.config.app_secret
        if mode == "other_secret":
            secret = secret + "-rotated"
        digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        headers: dict[str, str] = {}
        if self.config.legacy_sha1:
            headers["X-Hub-Signature"] = "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
        if mode == "missing":
            return headers
        if mode == "forged":
            digest = hmac.new(b"forged", body, hashlib.sha256).hexdigest()
        if mode == "truncated":
            digest = digest[:32]
        headers["X-Hub-Signature-256"] = f"sha256={digest}"
        return headers

    # -- the platform talking to Comptoir ----------------------------------------------------------

    def handshake(self, verify_token: str | None = None) -> tuple[bool, int, str]:
        """GET the callback with hub.* as Meta does; True when the challenge came back exactly."""
        if not self.config.webhook_url:
            raise ValueError("no webhook_url configured")
        challenge = str(secrets.randbelow(10**9) + 1)
        query = {
            "hub.mode": "subscribe",
            "hub.challenge": challenge,
            "hub.verify_token": self.config.verify_token if verify_token is None else verify_token,
        }
        separator = "&" if "?" in self.config.webhook_url else "?"
        try:
            response = httpx.get(self.config.webhook_url + separator + urlencode(query), timeout=10)
        except httpx.HTTPError as exc:
            self.timeline_log.add("handshake", ok=False, status=0)
            return False, 0, f"{type(exc).__name__}: {exc}"
        ok = response.status_code == 200 and response.text == challenge
        self.timeline_log.add("handshake", ok=ok, status=response.status_code)
        return ok, response.status_code, response.text

    def _platform_of(self, account_id: str) -> str:
        return "instagram" if account_id == self.config.ig_account_id else "facebook"

    def _account(self, platform: str) -> str:
        return self.config.ig_account_id if platform == "instagram" else self.config.page_id

    def _envelope(
        self, platform: str, account_id: str, *, messaging: Any = None, changes: Any = None
    ) -> dict[str, Any]:
        now = clock.now()
        entry: dict[str, Any] = {"id": account_id}
        if messaging is not None:
            entry["time"] = int(now.timestamp() * 1000)
            entry["messaging"] = [messaging]
        if changes is not None:
            entry["time"] = int(now.timestamp())
            entry["changes"] = [changes]
        return {"object": "instagram" if platform == "instagram" else "page", "entry": [entry]}

    def customer(
        self,
        user_id: str,
        *,
        platform: str = "facebook",
        name: str | None = None,
        username: str | None = None,
        followers: int = 0,
        verified: bool = False,
    ) -> _Customer:
        """Declare (or update) a customer, whose profile the Graph API then serves."""
        with self._lock:
            customer = self.customers.get((platform, user_id))
            if customer is None:
                customer = _Customer(user_id, platform)
                self.customers[(platform, user_id)] = customer
            customer.name = name or customer.name
            customer.username = username or customer.username
            customer.followers = followers or customer.followers
            customer.verified = verified or customer.verified
            return customer

    def customer_sends_dm(
        self,
        user_id: str,
        text: str,
        *,
        platform: str = "facebook",
        attachments: list[dict[str, Any]] | None = None,
        reply_to: str | None = None,
        at: datetime | None = None,
        wait: bool = True,
    ) -> str:
        """A Messenger / Instagram Direct message from ``user_id``; opens the messaging window. Returns the mid."""
        account = self._account(platform)
        sent_at = at or clock.now()
        with self._lock:
            self.customer(user_id, platform=platform).last_message_at[account] = sent_at
        mid = f"m_{secrets.token_urlsafe(12)}"
        message: dict[str, Any] = {"mid": mid}
        if text:
            message["text"] = text
        if attachments:
            message["attachments"] = attachments
        if reply_to:
            message["reply_to"] = {"mid": reply_to, "is_self_reply": False}
        item = {
            "sender": {"id": user_id},
            "recipient": {"id": account},
            "timestamp": int(sent_at.timestamp() * 1000),
            "message": message,
        }
        self.deliver(self._envelope(platform, account, messaging=item), wait=wait)
        return mid

    def customer_reads(self, user_id: str, *, platform: str = "facebook", mid: str | None = None) -> None:
        account = self._account(platform)
        now_ms = int(clock.now().timestamp() * 1000)
        read: dict[str, Any] = {"mid": mid} if platform == "instagram" else {"watermark": now_ms}
        item = {"sender": {"id": user_id}, "recipient": {"id": account}, "timestamp": now_ms, "read": read}
        self.deliver(self._envelope(platform, account, messaging=item))

    def customer_unsends(self, user_id: str, mid: str) -> None:
        """Instagram: the customer unsent a DM (``is_deleted``)."""
        account = self.config.ig_account_id
        item = {
            "sender": {"id": user_id},
            "recipient": {"id": account},
            "timestamp": int(clock.now().timestamp() * 1000),
            "message": {"mid": mid, "is_deleted": True},
        }
        self.deliver(self._envelope("instagram", account, messaging=item))

    def page_replies_natively(self, user_id: str, text: str, *, platform: str = "facebook") -> str:
        """A human answered from Meta's own inbox: an echo with another app id and no metadata."""
        account = self._account(platform)
        mid = f"m_{secrets.token_urlsafe(12)}"
        self._echo(platform, account, user_id, mid, text, metadata=None, app_id="263902037430900")
        return mid

    def new_post(self, *, platform: str = "facebook") -> str:
        account = self._account(platform)
        post_id = f"{account}_{self.next_id()}" if platform == "facebook" else str(self.next_id())
        with self._lock:
            self.posts[post_id] = account
        return post_id

    def customer_comments(
        self,
        text: str,
        *,
        user_id: str,
        name: str | None = None,
        platform: str = "facebook",
        post_id: str | None = None,
        parent_id: str | None = None,
        at: datetime | None = None,
        wait: bool = True,
    ) -> str:
        """A public comment (or a reply under ``parent_id``) on a post; returns the comment id."""
        self.customer(
            user_id, platform=platform, name=name, username=name if platform == "instagram" else None
        )
        return self._comment(
            platform, user_id, name, text, post_id=post_id, parent_id=parent_id, at=at, wait=wait
        )

    def _comment(
        self,
        platform: str,
        author_id: str,
        author_name: str | None,
        text: str,
        *,
        post_id: str | None,
        parent_id: str | None,
        at: datetime | None = None,
        wait: bool = True,
    ) -> str:
        account = self._account(platform)
        if parent_id is not None:
            parent = self.comments[parent_id]
            post_id = parent.post_id
            if platform == "facebook" and parent.parent_id is not None:
                parent_id = parent.parent_id  # Facebook threads replies under the top-level comment
        post_id = post_id or self.new_post(platform=platform)
        with self._lock:
            self.posts.setdefault(post_id, account)
        serial = self.next_id()
        comment_id = f"{post_id.split('_')[-1]}_{serial}" if platform == "facebook" else str(serial)
        created = at or clock.now()
        with self._lock:
            self.comments[comment_id] = _Comment(
                comment_id, platform, account, post_id, parent_id, author_id, text, created
            )
        if platform == "facebook":
            value: dict[str, Any] = {
                "item": "comment",
                "verb": "add",
                "comment_id": comment_id,
                "post_id": post_id,
                "parent_id": parent_id or post_id,
                "from": {"id": author_id, "name": author_name or author_id},
                "message": text,
                "created_time": int(created.timestamp()),
            }
            change = {"field": "feed", "value": value}
        else:
            value = {
                "id": comment_id,
                "from": {"id": author_id, "username": author_name or author_id},
                "text": text,
                "media": {"id": post_id, "media_product_type": "FEED"},
            }
            if parent_id:
                value["parent_id"] = parent_id
            change = {"field": "comments", "value": value}
        self.deliver(self._envelope(platform, account, changes=change), wait=wait)
        return comment_id

    def customer_edits_comment(self, comment_id: str, text: str) -> None:
        comment = self.comments[comment_id]
        comment.text = text
        self._feed_change(comment, "edited", message=text)

    def customer_removes_comment(self, comment_id: str) -> None:
        self._feed_change(self.comments[comment_id], "remove")

    def page_hides_comment(self, comment_id: str, hidden: bool = True) -> None:
        self._feed_change(self.comments[comment_id], "hide" if hidden else "unhide")

    def _feed_change(self, comment: _Comment, verb: str, message: str | None = None) -> None:
        value: dict[str, Any] = {
            "item": "comment",
            "verb": verb,
            "comment_id": comment.id,
            "post_id": comment.post_id,
            "parent_id": comment.parent_id or comment.post_id,
            "from": {"id": comment.author_id},
            "created_time": int(clock.now().timestamp()),
        }
        if message is not None:
            value["message"] = message
        self.deliver(
            self._envelope("facebook", comment.account_id, changes={"field": "feed", "value": value})
        )

    def _echo(
        self,
        platform: str,
        account: str,
        user_id: str,
        mid: str,
        text: str,
        *,
        metadata: str | None,
        app_id: str,
        wait: bool = True,
    ) -> list[DeliveryRecord]:
        message: dict[str, Any] = {"is_echo": True, "app_id": int(app_id), "mid": mid, "text": text}
        if metadata is not None:
            message["metadata"] = metadata
        item = {
            "sender": {"id": account},
            "recipient": {"id": user_id},
            "timestamp": int(clock.now().timestamp() * 1000),
            "message": message,
        }
        return self.deliver(self._envelope(platform, account, messaging=item), wait=wait)

    # -- the Graph API -----------------------------------------------------------------------------

    def _check_token(self, request: Request, form: dict[str, Any]) -> None:
        expected = self.config.access_token
        if expected is None:
            return
        auth = request.headers.get("authorization", "")
        given = (
            request.query_params.get("access_token")
            or form.get("access_token")
            or (auth[7:] if auth.lower().startswith("bearer ") else None)
        )
        if given != expected:
            raise GraphError(190, "Invalid OAuth access token.", subcode=460)

    @staticmethod
    async def _body(request: Request) -> dict[str, Any]:
        """JSON bodies, or form fields whose values are JSON strings (the docs' curl samples)."""
        raw = await request.body()
        if not raw:
            return {}
        if request.headers.get("content-type", "").startswith("application/json"):
            data = json.loads(raw)
            return data if isinstance(data, dict) else {}
        form = await request.form()
        result: dict[str, Any] = {}
        for key, value in form.items():
            text = str(value)
            try:
                result[key] = json.loads(text) if text[:1] in "{[" else text
            except json.JSONDecodeError:
                result[key] = text
        return result

    async def _fault_response(self, request: Request) -> tuple[Response | None, Fault | None]:
        fault = self.faults.take(request.url.path)
        if fault is None:
            return None, None
        if fault.kind == "429":
            usage = {
                self.config.page_id: [
                    {
                        "type": "messenger",
                        "call_count": 100,
                        "total_cputime": 10,
                        "total_time": 10,
                        "estimated_time_to_regain_access": max(1, round(fault.reset_in / 60)),
                    }
                ]
            }
            error = GraphError(fault.code or 32, fault.message or "Page request limit reached")
            return error.response({"X-Business-Use-Case-Usage": json.dumps(usage)}), fault
        if fault.kind == "error":
            error = GraphError(
                fault.code or 1,
                fault.message or "An unknown error occurred",
                subcode=fault.subcode,
                status=fault.status,
            )
            return error.response(), fault
        return await self.apply_fault(fault), fault

    def _window_error(self, platform: str) -> GraphError:
        return GraphError(
            10,
            "(#10) This message is sent outside of allowed window.",
            subcode=WINDOW_SUBCODE[platform],
        )

    def _check_window(
        self, platform: str, account: str, user_id: str, messaging_type: str, tag: str | None
    ) -> None:
        customer = self.customers.get((platform, user_id))
        last = customer.last_message_at.get(account) if customer else None
        if customer is None or last is None:
            raise GraphError(100, "(#100) No matching user found", subcode=2018001)
        age = clock.now() - last
        if messaging_type in ("RESPONSE", "UPDATE"):
            if age > timedelta(hours=24):
                raise self._window_error(platform)
            return
        if messaging_type != "MESSAGE_TAG":
            raise GraphError(100, "(#100) Param messaging_type must be one of RESPONSE, UPDATE, MESSAGE_TAG")
        if tag in RETIRED_TAGS:
            raise GraphError(100, f"(#100) The message tag {tag} is no longer supported.")
        if tag not in FACEBOOK_TAGS or (platform == "instagram" and tag != "HUMAN_AGENT"):
            raise GraphError(100, f"(#100) Invalid tag {tag!r}")
        if age > timedelta(days=7):
            raise self._window_error(platform)

    async def send_api(self, request: Request) -> Response:
        node = request.path_params["node"]
        try:
            body = await self._body(request)
            self._check_token(request, body)
            account = self.config.page_id if node == "me" else node
            if account not in (self.config.page_id, self.config.ig_account_id):
                raise GraphError(
                    100,
                    f"(#100) Unsupported post request. Object with ID '{node}' does not exist",
                    subcode=33,
                )
            platform = self._platform_of(account)
            fault_response, fault = await self._fault_response(request)
            if fault_response is not None:
                return fault_response
            check = self.limiter.hit("send", account)
            if not check.allowed:
                raise GraphError(32, "Page request limit reached")
            result, echo = self._accept_send(platform, account, body)
        except GraphError as error:
            return error.response()
        await asyncio.to_thread(echo, self.config.echo_before_response)
        if (
            fault is not None and fault.kind == "timeout"
        ):  # accepted and echoed, but the answer comes too late
            await asyncio.sleep(fault.delay)
        return JSONResponse(result)

    def _accept_send(self, platform: str, account: str, body: dict[str, Any]) -> tuple[dict[str, Any], Any]:
        recipient = body.get("recipient")
        message = body.get("message")
        if not isinstance(recipient, dict) or not isinstance(message, dict):
            raise GraphError(100, "(#100) recipient and message are required")
        text = message.get("text")
        if not isinstance(text, str) or not text:
            raise GraphError(100, "(#100) message.text is required")
        if len(text) >= 2000:
            raise GraphError(100, "(#100) Length of param message[text] must be less than or equal to 2000")
        metadata = message.get("metadata") if isinstance(message.get("metadata"), str) else None
        mid = f"m_{secrets.token_urlsafe(16)}"
        if "comment_id" in recipient:
            comment = self.comments.get(str(recipient["comment_id"]))
            if comment is None or comment.account_id != account:
                raise GraphError(100, "(#100) No matching comment found", subcode=2018001)
            if comment.private_replied:
                raise GraphError(10900, "Activity already replied to")
            if clock.now() - comment.created_at > timedelta(days=7):
                raise self._window_error(platform)
            comment.private_replied = True
            user_id = comment.author_id
            self.timeline_log.add(
                "private_reply",
                platform=platform,
                account=account,
                comment_id=comment.id,
                to=user_id,
                text=text,
                mid=mid,
                metadata=metadata,
            )
        else:
            user_id = str(recipient.get("id") or "")
            messaging_type = str(body.get("messaging_type") or "")
            tag = body.get("tag")
            self._check_window(
                platform, account, user_id, messaging_type, tag if isinstance(tag, str) else None
            )
            self.timeline_log.add(
                "message",
                platform=platform,
                account=account,
                to=user_id,
                text=text,
                mid=mid,
                messaging_type=messaging_type,
                tag=tag,
                metadata=metadata,
            )

        def echo(now: bool) -> None:
            self._echo(
                platform, account, user_id, mid, text, metadata=metadata, app_id=self.config.app_id, wait=now
            )
            if self.config.delivery_receipts:
                item = {
                    "sender": {"id": user_id},
                    "recipient": {"id": account},
                    "delivery": {"mids": [mid], "watermark": int(clock.now().timestamp() * 1000)},
                }
                self.deliver(self._envelope(platform, account, messaging=item), wait=now)

        return {"recipient_id": user_id, "message_id": mid}, echo

    async def comment_reply(self, request: Request) -> Response:
        node, edge = request.path_params["node"], request.path_params["edge"]
        try:
            body = await self._body(request)
            self._check_token(request, body)
            fault_response, fault = await self._fault_response(request)
            if fault_response is not None:
                return fault_response
            text = body.get("message")
            if not isinstance(text, str) or not text:
                raise GraphError(100, "(#100) message is required")
            target = self.comments.get(node)
            post_account = self.posts.get(node)
            if target is not None:
                platform = target.platform
            else:
                platform = self._platform_of(post_account) if post_account else "facebook"
            wrong_edge = edge != ("replies" if platform == "instagram" and target is not None else "comments")
            if wrong_edge or (target is None and post_account is None):
                raise GraphError(
                    100,
                    f"(#100) Unsupported post request. Object with ID '{node}' does not exist",
                    subcode=33,
                )
            account = self._account(platform)
            author = self.config.ig_username if platform == "instagram" else self.config.page_name
            new_id = await asyncio.to_thread(
                self._comment,
                platform,
                account,
                author,
                text,
                post_id=None if target else node,
                parent_id=node if target else None,
                wait=self.config.echo_before_response,
            )
        except GraphError as error:
            return error.response()
        self.timeline_log.add(
            "comment_reply", platform=platform, account=account, in_reply_to=node, text=text, id=new_id
        )
        if fault is not None and fault.kind == "timeout":
            await asyncio.sleep(fault.delay)
        return JSONResponse({"id": new_id})

    async def profile(self, request: Request) -> Response:
        user_id = request.path_params["node"]
        try:
            self._check_token(request, {})
        except GraphError as error:
            return error.response()
        for platform in ("instagram", "facebook"):
            customer = self.customers.get((platform, user_id))
            if customer is None:
                continue
            if platform == "instagram":
                return JSONResponse(
                    {
                        "id": user_id,
                        "name": customer.name,
                        "username": customer.username or customer.name,
                        "profile_pic": f"https://cdn.example/ig/{user_id}.jpg",
                        "follower_count": customer.followers,
                        "is_verified_user": customer.verified,
                    }
                )
            first, _, last = (customer.name or "").partition(" ")
            return JSONResponse(
                {
                    "id": user_id,
                    "first_name": first,
                    "last_name": last,
                    "profile_pic": f"https://cdn.example/fb/{user_id}.jpg",
                }
            )
        return GraphError(100, "(#100) No matching user found", subcode=2018001).response()

    async def subscribed_apps(self, request: Request) -> Response:
        node = request.path_params["node"]
        try:
            self._check_token(request, {})
            if node not in (self.config.page_id, self.config.ig_account_id):
                raise GraphError(100, f"(#100) Object with ID '{node}' does not exist", subcode=33)
        except GraphError as error:
            return error.response()
        fields = request.query_params.get("subscribed_fields", "").split(",")
        self.timeline_log.add("subscribed_apps", account=node, fields=[f for f in fields if f])
        return JSONResponse({"success": True})

    # -- control endpoints to drive it over HTTP (CLI, demo) ------------------------------------------

    def _build_app(self) -> Starlette:
        async def control_dm(request: Request) -> Response:
            data = await request.json()
            mid = await asyncio.to_thread(
                self.customer_sends_dm,
                str(data["user_id"]),
                str(data.get("text", "")),
                platform=str(data.get("platform", "facebook")),
                wait=bool(data.get("wait", False)),
            )
            return JSONResponse({"mid": mid})

        async def control_comment(request: Request) -> Response:
            data = await request.json()
            comment_id = await asyncio.to_thread(
                self.customer_comments,
                str(data["text"]),
                user_id=str(data["user_id"]),
                name=data.get("name"),
                platform=str(data.get("platform", "facebook")),
                post_id=data.get("post_id"),
                parent_id=data.get("parent_id"),
                wait=bool(data.get("wait", False)),
            )
            return JSONResponse({"comment_id": comment_id})

        async def control_handshake(request: Request) -> Response:
            ok, status, body = await asyncio.to_thread(self.handshake)
            return JSONResponse({"ok": ok, "status": status, "body": body})

        version = "{version:str}"
        return Starlette(
            routes=[
                *self.control_routes(),
                Route("/_sim/customer/dm", control_dm, methods=["POST"]),
                Route("/_sim/customer/comment", control_comment, methods=["POST"]),
                Route("/_sim/handshake", control_handshake, methods=["POST"]),
                Route(f"/{version}/{{node:str}}/messages", self.send_api, methods=["POST"]),
                Route(f"/{version}/{{node:str}}/subscribed_apps", self.subscribed_apps, methods=["POST"]),
                Route(f"/{version}/{{node:str}}/{{edge:str}}", self.comment_reply, methods=["POST"]),
                Route(f"/{version}/{{node:str}}", self.profile, methods=["GET"]),
            ]
        )

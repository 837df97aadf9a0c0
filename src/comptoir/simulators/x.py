"""A local stand-in for X (Account Activity webhooks + v2 API) that speaks the documented contract.

Towards Comptoir: the CRC (``GET ?crc_token=``, expects ``{"response_token": "sha256=<b64>"}``) on
``POST /2/webhooks``, on ``PUT /2/webhooks/:id`` and on demand; signed POSTs
(``x-twitter-webhooks-signature``), no redelivery by default (configurable ``retry_delays``).
As the API: ``POST /2/tweets`` (201; 280 weighted characters; the reply restriction: the brand must have
been summoned by the author of the post it answers, else 403), ``POST /2/dm_conversations/with/:id/messages``
(201), ``GET /2/users/:id/mentions`` (``since_id``, pagination, newest first), with ``x-rate-limit-*``
headers on every answer and 429 when a window is used up. Every accepted post and DM is echoed in
``tweet_create_events`` / ``direct_message_events``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from comptoir import clock
from comptoir.channels.x.text import MAX_WEIGHTED_LENGTH, weighted_length
from comptoir.simulators.common import DeliveryRecord, Fault, LimitCheck, SimulatorBase, WebhookSender

CREATED_AT_FORMAT = "%a %b %d %H:%M:%S +0000 %Y"


@dataclass
class XSimConfig:
    consumer_secret: str
    webhook_url: str | None = None  # Comptoir's /webhooks/x/<app id>
    brand_user_id: str = "2244994945"
    brand_screen_name: str = "YourBrand"
    brand_name: str = "Your Brand"
    app_id: str = "13090192"
    access_token: str | None = None  # when set, API calls must carry ``Authorization: Bearer <it>``
    retry_delays: tuple[float, ...] = ()  # X documents no redelivery; replay is the recovery
    crc_timeout: float = 3.0
    limits: dict[str, tuple[int, float]] = field(
        default_factory=lambda: {"tweets": (100, 900.0), "dm": (15, 900.0), "mentions": (300, 900.0)}
    )
    echo_before_response: bool = False


@dataclass
class _User:
    id: str
    screen_name: str
    name: str
    followers: int = 0
    verified: bool = False

    def v1(self) -> dict[str, Any]:
        return {
            "id": int(self.id),
            "id_str": self.id,
            "name": self.name,
            "screen_name": self.screen_name,
            "verified": self.verified,
            "followers_count": self.followers,
            "friends_count": 10,
            "statuses_count": 100,
            "protected": False,
            "profile_image_url_https": f"https://pbs.example/{self.id}_normal.jpg",
        }

    def dm_user(self) -> dict[str, Any]:
        data = self.v1()
        data["id"] = self.id
        data.pop("id_str")
        data["created_timestamp"] = "1422556069340"
        return data

    def v2(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "username": self.screen_name,
            "verified": self.verified,
            "public_metrics": {"followers_count": self.followers, "following_count": 10, "tweet_count": 100},
        }


@dataclass
class _Tweet:
    id: str
    author_id: str
    text: str
    created_at: datetime
    in_reply_to: str | None
    mentions: tuple[str, ...]


def problem(status: int, title: str, detail: str, kind: str = "about:blank") -> dict[str, Any]:
    return {"title": title, "detail": detail, "type": kind, "status": status}


class XSimulator(SimulatorBase):
    name = "x"

    def __init__(self, config: XSimConfig) -> None:
        self.config = config
        super().__init__(
            WebhookSender(config.webhook_url, self._sign, retry_delays=config.retry_delays), config.limits
        )
        self.users: dict[str, _User] = {}
        self.brand = self.user(
            config.brand_user_id, config.brand_screen_name, name=config.brand_name, verified=True
        )
        self.tweets: dict[str, _Tweet] = {}
        self.webhook_valid: bool | None = None  # None: never checked; False: X stops delivering events
        self.webhook_id = str(10**18 + secrets.randbelow(10**17))
        self.app = self._build_app()

    def _new_id(self) -> str:
        # Snowflake-like: increasing with time, so since_id comparisons work.
        return str((int(clock.now().timestamp() * 1000) << 22) + self.next_id() % (1 << 22))

    # -- signing and CRC ---------------------------------------------------------------------------

    def _digest(self, message: bytes) -> str:
        secret = self.config.consumer_secret
        if self.signature_mode == "other_secret":
            secret += "-rotated"
        if self.signature_mode == "forged":
            secret = "forged"
        return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()

    def _sign(self, body: bytes) -> dict[str, str]:
        if self.signature_mode == "missing":
            return {}
        digest = self._digest(body)
        if self.signature_mode == "truncated":
            digest = digest[:20]
        return {"x-twitter-webhooks-signature": f"sha256={digest}"}

    def crc_check(self, url: str | None = None) -> bool:
        """Send a CRC as X does; the webhook is valid only if Comptoir answers with the right token."""
        target = url or self.config.webhook_url
        if not target:
            raise ValueError("no webhook_url configured")
        token = secrets.token_urlsafe(24)
        expected = (
            "sha256="
            + base64.b64encode(
                hmac.new(self.config.consumer_secret.encode(), token.encode(), hashlib.sha256).digest()
            ).decode()
        )
        separator = "&" if "?" in target else "?"
        try:
            response = httpx.get(
                target + separator + urlencode({"crc_token": token}), timeout=self.config.crc_timeout
            )
            ok = response.status_code == 200 and response.json().get("response_token") == expected
        except (httpx.HTTPError, ValueError, AttributeError):
            ok = False
        self.webhook_valid = ok
        self.timeline_log.add("crc", ok=ok)
        return ok

    def deliver(self, payload: dict[str, Any], *, wait: bool = True) -> list[DeliveryRecord]:
        """An invalid webhook (failed CRC) receives no events, as on X."""
        if self.webhook_valid is False:
            self.timeline_log.add("undelivered", reason="webhook invalid (CRC failed)")
            return []
        return super().deliver(payload, wait=wait)

    # -- people and what they do -------------------------------------------------------------------

    def user(
        self,
        user_id: str,
        screen_name: str,
        *,
        name: str | None = None,
        followers: int = 0,
        verified: bool = False,
    ) -> _User:
        with self._lock:
            user = self.users.get(user_id)
            if user is None:
                user = _User(user_id, screen_name, name or screen_name, followers, verified)
                self.users[user_id] = user
            else:
                user.followers = followers or user.followers
                user.verified = verified or user.verified
            return user

    def _post_tweet(self, author: _User, text: str, in_reply_to: str | None, *, wait: bool = True) -> str:
        tweet_id = self._new_id()
        mentions = tuple(
            user.id for user in self.users.values() if f"@{user.screen_name}".lower() in text.lower()
        )
        created = clock.now()
        with self._lock:
            self.tweets[tweet_id] = _Tweet(tweet_id, author.id, text, created, in_reply_to, mentions)
        parent = self.tweets.get(in_reply_to) if in_reply_to else None
        parent_author = self.users.get(parent.author_id) if parent else None
        user_mentions = []
        for user_id in mentions:
            user = self.users[user_id]
            start = text.lower().find(f"@{user.screen_name}".lower())
            user_mentions.append(
                {
                    "id_str": user.id,
                    "screen_name": user.screen_name,
                    "name": user.name,
                    "indices": [start, start + len(user.screen_name) + 1],
                }
            )
        tweet = {
            "created_at": created.astimezone(UTC).strftime(CREATED_AT_FORMAT),
            "id": int(tweet_id),
            "id_str": tweet_id,
            "text": text,
            "truncated": False,
            "in_reply_to_status_id_str": in_reply_to,
            "in_reply_to_user_id_str": parent_author.id if parent_author else None,
            "in_reply_to_screen_name": parent_author.screen_name if parent_author else None,
            "user": author.v1(),
            "entities": {"hashtags": [], "urls": [], "symbols": [], "user_mentions": user_mentions},
            "source": f"app:{self.config.app_id}" if author.id == self.brand.id else "web",
        }
        payload: dict[str, Any] = {"for_user_id": self.brand.id, "tweet_create_events": [tweet]}
        if author.id != self.brand.id:
            payload["user_has_blocked"] = "false"
        self.deliver(payload, wait=wait)
        return tweet_id

    def customer_mentions(
        self,
        text: str,
        *,
        user_id: str,
        screen_name: str,
        name: str | None = None,
        followers: int = 0,
        verified: bool = False,
        in_reply_to: str | None = None,
        wait: bool = True,
    ) -> str:
        """A public post mentioning the brand (``@Brand`` is prepended when absent); returns its id."""
        author = self.user(user_id, screen_name, name=name, followers=followers, verified=verified)
        handle = f"@{self.brand.screen_name}"
        if handle.lower() not in text.lower():
            text = f"{handle} {text}"
        return self._post_tweet(author, text, in_reply_to, wait=wait)

    def customer_replies(
        self, text: str, *, in_reply_to: str, user_id: str, screen_name: str, **user: Any
    ) -> str:
        """A reply in a thread (without necessarily mentioning the brand)."""
        author = self.user(user_id, screen_name, **user)
        return self._post_tweet(author, text, in_reply_to)

    def brand_tweets_natively(self, text: str, *, in_reply_to: str | None = None) -> str:
        """The brand posted from X itself (not through Comptoir): arrives as an outbound tweet."""
        return self._post_tweet(self.brand, text, in_reply_to)

    def customer_deletes_tweet(self, tweet_id: str) -> None:
        tweet = self.tweets.pop(tweet_id)
        payload = {
            "for_user_id": self.brand.id,
            "tweet_delete_events": [
                {
                    "status": {"id": tweet.id, "user_id": tweet.author_id},
                    "timestamp_ms": str(int(clock.now().timestamp() * 1000)),
                }
            ],
        }
        self.deliver(payload)

    def _dm_payload(self, sender: _User, recipient: _User, text: str, event_id: str) -> dict[str, Any]:
        event = {
            "type": "message_create",
            "id": event_id,
            "created_timestamp": str(int(clock.now().timestamp() * 1000)),
            "message_create": {
                "target": {"recipient_id": recipient.id},
                "sender_id": sender.id,
                "source_app_id": self.config.app_id if sender.id == self.brand.id else "268278",
                "message_data": {
                    "text": text,
                    "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
                },
            },
        }
        return {
            "for_user_id": self.brand.id,
            "direct_message_events": [event],
            "apps": {
                self.config.app_id: {"id": self.config.app_id, "name": "Comptoir", "url": "https://example"}
            },
            "users": {sender.id: sender.dm_user(), recipient.id: recipient.dm_user()},
        }

    def customer_sends_dm(
        self,
        text: str,
        *,
        user_id: str,
        screen_name: str,
        name: str | None = None,
        followers: int = 0,
        verified: bool = False,
        wait: bool = True,
    ) -> str:
        """A DM to the brand; returns the DM event id."""
        sender = self.user(user_id, screen_name, name=name, followers=followers, verified=verified)
        event_id = self._new_id()
        self.deliver(self._dm_payload(sender, self.brand, text, event_id), wait=wait)
        return event_id

    def customer_reads_dm(self, user_id: str, last_read_event_id: str) -> None:
        payload = {
            "for_user_id": self.brand.id,
            "direct_message_mark_read_events": [
                {
                    "created_timestamp": str(int(clock.now().timestamp() * 1000)),
                    "sender_id": user_id,
                    "target": {"recipient_id": self.brand.id},
                    "last_read_event_id": last_read_event_id,
                }
            ],
        }
        self.deliver(payload)

    # -- the API -----------------------------------------------------------------------------------

    def _limit_headers(self, check: LimitCheck) -> dict[str, str]:
        return {
            "x-rate-limit-limit": str(check.limit),
            "x-rate-limit-remaining": str(check.remaining),
            "x-rate-limit-reset": str(check.reset_epoch),
        }

    async def _guard(
        self, request: Request, endpoint: str
    ) -> tuple[Response | None, dict[str, str], Fault | None]:
        """Auth, injected faults and the rate limit; returns (early response, headers, fault)."""
        expected = self.config.access_token
        if expected is not None and request.headers.get("authorization") != f"Bearer {expected}":
            body = problem(401, "Unauthorized", "Unauthorized")
            return JSONResponse(body, status_code=401), {}, None
        fault = self.faults.take(request.url.path)
        if fault is not None and fault.kind == "429":
            check = self.limiter.exhaust(endpoint, self.brand.id, fault.reset_in)
            headers = self._limit_headers(check)
            return (
                JSONResponse(problem(429, "Too Many Requests", "Too Many Requests"), 429, headers),
                headers,
                fault,
            )
        if fault is not None:
            early = await self.apply_fault(fault)
            if early is not None:
                return early, {}, fault
        check = self.limiter.hit(endpoint, self.brand.id)
        headers = self._limit_headers(check)
        if not check.allowed:
            return (
                JSONResponse(problem(429, "Too Many Requests", "Too Many Requests"), 429, headers),
                headers,
                fault,
            )
        return None, headers, fault

    def _summoned(self, tweet: _Tweet) -> bool:
        """May the brand reply to ``tweet``? Only if its author mentioned the brand (here or up the thread)."""
        if tweet.author_id == self.brand.id:
            return True
        current: _Tweet | None = tweet
        while current is not None:
            if current.author_id == tweet.author_id and self.brand.id in current.mentions:
                return True
            current = self.tweets.get(current.in_reply_to) if current.in_reply_to else None
        return False

    async def create_tweet(self, request: Request) -> Response:
        early, headers, fault = await self._guard(request, "tweets")
        if early is not None:
            return early
        data = await request.json()
        text = data.get("text") if isinstance(data, dict) else None
        if not isinstance(text, str) or not text:
            return JSONResponse(
                problem(400, "Invalid Request", "text is required", "invalid-request"), 400, headers
            )
        if weighted_length(text) > MAX_WEIGHTED_LENGTH:
            detail = f"Your Tweet text is too long: {weighted_length(text)} > {MAX_WEIGHTED_LENGTH}"
            return JSONResponse(problem(400, "Invalid Request", detail, "invalid-request"), 400, headers)
        reply = data.get("reply") if isinstance(data.get("reply"), dict) else None
        in_reply_to = (
            str(reply["in_reply_to_tweet_id"]) if reply and reply.get("in_reply_to_tweet_id") else None
        )
        if in_reply_to is not None:
            parent = self.tweets.get(in_reply_to)
            if parent is None:
                detail = f"Could not find tweet with in_reply_to_tweet_id: [{in_reply_to}]."
                return JSONResponse(problem(400, "Invalid Request", detail, "invalid-request"), 400, headers)
            if not self._summoned(parent):
                detail = (
                    "Reply to this conversation is not allowed because you have not been mentioned or otherwise "
                    "engaged by the author of the post you are replying to."
                )
                return JSONResponse(problem(403, "Forbidden", detail), 403, headers)
        tweet_id = await asyncio.to_thread(
            self._post_tweet, self.brand, text, in_reply_to, wait=self.config.echo_before_response
        )
        self.timeline_log.add("tweet", id=tweet_id, text=text, in_reply_to=in_reply_to)
        if fault is not None and fault.kind == "timeout":
            await asyncio.sleep(fault.delay)
        body = {"data": {"id": tweet_id, "text": text, "edit_history_tweet_ids": [tweet_id]}}
        return JSONResponse(body, 201, headers)

    async def send_dm(self, request: Request) -> Response:
        early, headers, fault = await self._guard(request, "dm")
        if early is not None:
            return early
        participant_id = request.path_params["participant_id"]
        data = await request.json()
        text = data.get("text") if isinstance(data, dict) else None
        if not isinstance(text, str) or not text:
            return JSONResponse(
                problem(400, "Invalid Request", "text is required", "invalid-request"), 400, headers
            )
        recipient = self.users.get(participant_id)
        if recipient is None:
            detail = f"Could not find user with participant_id: [{participant_id}]."
            return JSONResponse(problem(404, "Not Found Error", detail, "resource-not-found"), 404, headers)
        event_id = self._new_id()
        low, high = sorted((int(self.brand.id), int(participant_id)))
        await asyncio.to_thread(
            self.deliver,
            self._dm_payload(self.brand, recipient, text, event_id),
            wait=self.config.echo_before_response,
        )
        self.timeline_log.add("dm", id=event_id, to=participant_id, text=text)
        if fault is not None and fault.kind == "timeout":
            await asyncio.sleep(fault.delay)
        return JSONResponse(
            {"data": {"dm_conversation_id": f"{low}-{high}", "dm_event_id": event_id}}, 201, headers
        )

    async def mentions(self, request: Request) -> Response:
        early, headers, _ = await self._guard(request, "mentions")
        if early is not None:
            return early
        user_id = request.path_params["user_id"]
        params = request.query_params
        since_id = int(params.get("since_id") or 0)
        max_results = max(5, min(100, int(params.get("max_results") or 10)))
        offset = int(params.get("pagination_token") or 0)
        matching = sorted(
            (
                t
                for t in self.tweets.values()
                if user_id in t.mentions and t.author_id != user_id and int(t.id) > since_id
            ),
            key=lambda t: int(t.id),
            reverse=True,
        )[:800]
        page = matching[offset : offset + max_results]
        posts = []
        for tweet in page:
            post: dict[str, Any] = {
                "id": tweet.id,
                "text": tweet.text,
                "author_id": tweet.author_id,
                "created_at": clock.isoformat_z(tweet.created_at),
                "conversation_id": tweet.in_reply_to or tweet.id,
            }
            if tweet.in_reply_to:
                post["referenced_tweets"] = [{"type": "replied_to", "id": tweet.in_reply_to}]
            posts.append(post)
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta["newest_id"], meta["oldest_id"] = page[0].id, page[-1].id
        if offset + max_results < len(matching):
            meta["next_token"] = str(offset + max_results)
        body: dict[str, Any] = {"meta": meta}
        if posts:
            body["data"] = posts
            authors = {tweet.author_id for tweet in page}
            body["includes"] = {"users": [self.users[a].v2() for a in sorted(authors)]}
        return JSONResponse(body, 200, headers)

    async def register_webhook(self, request: Request) -> Response:
        data = await request.json() if request.method == "POST" else {}
        url = data.get("url") or self.config.webhook_url
        if request.method == "POST":
            self.config.webhook_url = url
            self.webhooks.url = url
        ok = await asyncio.to_thread(self.crc_check, url)
        if not ok:
            return JSONResponse({"errors": [{"message": "CrcValidationFailed"}]}, 400)
        if request.method == "PUT":
            return JSONResponse({"data": {"valid": True}})
        created = clock.isoformat_z(clock.now())
        return JSONResponse(
            {"data": {"id": self.webhook_id, "url": url, "valid": True, "created_at": created}}
        )

    def _build_app(self) -> Starlette:
        async def control_mention(request: Request) -> Response:
            data = await request.json()
            tweet_id = await asyncio.to_thread(
                self.customer_mentions,
                str(data["text"]),
                user_id=str(data["user_id"]),
                screen_name=str(data.get("screen_name") or data["user_id"]),
                name=data.get("name"),
                followers=int(data.get("followers", 0)),
                verified=bool(data.get("verified", False)),
                in_reply_to=data.get("in_reply_to"),
                wait=bool(data.get("wait", False)),
            )
            return JSONResponse({"id": tweet_id})

        async def control_dm(request: Request) -> Response:
            data = await request.json()
            event_id = await asyncio.to_thread(
                self.customer_sends_dm,
                str(data["text"]),
                user_id=str(data["user_id"]),
                screen_name=str(data.get("screen_name") or data["user_id"]),
                name=data.get("name"),
                followers=int(data.get("followers", 0)),
                verified=bool(data.get("verified", False)),
                wait=bool(data.get("wait", False)),
            )
            return JSONResponse({"id": event_id})

        async def control_crc(request: Request) -> Response:
            return JSONResponse({"valid": await asyncio.to_thread(self.crc_check)})

        return Starlette(
            routes=[
                *self.control_routes(),
                Route("/_sim/customer/mention", control_mention, methods=["POST"]),
                Route("/_sim/customer/dm", control_dm, methods=["POST"]),
                Route("/_sim/crc", control_crc, methods=["POST"]),
                Route("/2/tweets", self.create_tweet, methods=["POST"]),
                Route("/2/dm_conversations/with/{participant_id}/messages", self.send_dm, methods=["POST"]),
                Route("/2/users/{user_id}/mentions", self.mentions, methods=["GET"]),
                Route("/2/webhooks", self.register_webhook, methods=["POST"]),
                Route("/2/webhooks/{webhook_id}", self.register_webhook, methods=["PUT"]),
            ]
        )

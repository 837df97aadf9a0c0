"""The ingestion endpoint: acceptance, idempotency, and one test per kind of bad input (nothing written)."""

from __future__ import annotations

import sqlalchemy as sa
from tests.support import Env, make_env, message

from comptoir.store import tables as t


def count_messages(env: Env) -> int:
    with env.runtime.db.read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(t.messages)).scalar_one())


def test_single_message_is_accepted_then_deduplicated(env: Env) -> None:
    first = env.post(message("m1"))
    assert first.status_code == 202
    assert first.json()["status"] == "accepted"
    again = env.post(message("m1"))
    assert again.status_code == 200
    assert again.json() == {"id": first.json()["id"], "status": "duplicate"}
    assert count_messages(env) == 1


def test_batch_reports_each_message(env: Env) -> None:
    env.post(message("b2"))
    response = env.post([message("b1"), message("b2"), message("b3"), message("b1")])
    assert response.status_code == 202
    statuses = [(r["external_id"], r["status"]) for r in response.json()["results"]]
    assert statuses == [("b1", "accepted"), ("b2", "duplicate"), ("b3", "accepted"), ("b1", "duplicate")]
    assert count_messages(env) == 3


def test_processing_threads_and_records_a_trail(env: Env) -> None:
    msg_id = env.post(message("p1", text="My internet is down since this morning")).json()["id"]
    assert env.process() == 1
    conversations = env.client.get("/api/v1/conversations", headers=env.headers).json()["conversations"]
    assert len(conversations) == 1
    detail = env.client.get(f"/api/v1/conversations/{conversations[0]['id']}", headers=env.headers).json()
    (stored,) = detail["messages"]
    assert stored["id"] == msg_id
    assert stored["processing_state"] == "processed"
    steps = [entry["step"] for entry in stored["pipeline"]]
    assert steps == [
        "validate",
        "contact",
        "thread",
        "triage",
        "route",
        "conversation",
        "sla",
        "assign",
        "acknowledge",
    ]
    assert stored["triage"]["lang"] == "en"
    assert stored["triage"]["intent"] in {"complaint", "request"}
    assert detail["intent"] == stored["triage"]["intent"]
    assert detail["priority"] == stored["triage"]["priority"] > 0
    assert detail["contact"]["handle"] == "@cust-1"


def error_code(response: object) -> str:
    return str(response.json()["error"]["code"])  # type: ignore[attr-defined]


def test_malformed_json(env: Env) -> None:
    response = env.client.post(
        f"/api/v1/accounts/{env.account_id}/messages", content=b'{"external_id": "x",', headers=env.headers
    )
    assert response.status_code == 400 and error_code(response) == "invalid_json"
    assert count_messages(env) == 0


def test_invalid_utf8(env: Env) -> None:
    response = env.client.post(
        f"/api/v1/accounts/{env.account_id}/messages",
        content=b'{"external_id": "x", "text": "caf\xe9"}',
        headers=env.headers,
    )
    assert response.status_code == 400 and error_code(response) == "invalid_utf8"
    assert count_messages(env) == 0


def test_missing_required_field(env: Env) -> None:
    body = message("x")
    del body["external_id"]
    response = env.post(body)
    assert response.status_code == 422 and error_code(response) == "validation_error"
    assert response.json()["error"]["details"]["errors"][0]["loc"] == ["external_id"]


def test_mistyped_field(env: Env) -> None:
    body = message("x")
    body["author"]["followers"] = "many"
    response = env.post(body)
    assert response.status_code == 422 and error_code(response) == "validation_error"
    assert count_messages(env) == 0


def test_naive_timestamp_is_rejected(env: Env) -> None:
    response = env.post(message("x", sent_at="2026-11-20T10:00:00"))
    assert response.status_code == 422


def test_one_bad_message_rejects_the_whole_batch(env: Env) -> None:
    bad = message("b2")
    bad["visibility"] = "secret"
    response = env.post([message("b1"), bad])
    assert response.status_code == 422
    assert count_messages(env) == 0


def test_body_over_the_size_limit(env: Env) -> None:
    response = env.post(message("big", text="x" * (1024 * 1024)))
    assert response.status_code == 413 and error_code(response) == "body_too_large"
    assert count_messages(env) == 0


def test_batch_over_the_limit(env: Env) -> None:
    batch = [{"external_id": f"m{i}"} for i in range(1001)]
    response = env.post(batch)
    assert response.status_code == 413 and error_code(response) == "batch_too_large"
    assert count_messages(env) == 0


def test_empty_batch(env: Env) -> None:
    response = env.post([])
    assert response.status_code == 422 and error_code(response) == "empty_batch"


def test_unknown_account(env: Env) -> None:
    response = env.post(message("x"), account_id=999_999)
    assert response.status_code == 404 and error_code(response) == "account_not_found"


def test_token_of_another_brand_gets_404(env: Env) -> None:
    _, other_account, other_token, _ = make_env(env.runtime, name="Other")
    response = env.client.post(
        f"/api/v1/accounts/{other_account}/messages",
        json=message("x"),
        headers={"Authorization": f"Bearer {env.token}"},
    )
    assert response.status_code == 404
    response = env.client.get("/api/v1/conversations/1", headers={"Authorization": f"Bearer {other_token}"})
    assert response.status_code == 404
    assert count_messages(env) == 0


def test_bad_and_missing_token(env: Env) -> None:
    url = f"/api/v1/accounts/{env.account_id}/messages"
    missing = env.client.post(url, json=message("x"))
    assert missing.status_code == 401 and error_code(missing) == "unauthenticated"
    bad = env.client.post(url, json=message("x"), headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and error_code(bad) == "unauthenticated"
    assert count_messages(env) == 0


def test_message_in_an_unknown_language_and_empty_text_are_kept(env: Env) -> None:
    assert env.post(message("zz", text="Ninapenda huduma yenu sana")).status_code == 202
    assert env.post(message("empty", text="")).status_code == 202
    env.process()
    with env.runtime.db.read() as conn:
        states = conn.execute(sa.select(t.messages.c.processing_state)).scalars().all()
    assert states == ["processed", "processed"]


def test_openapi_is_served(env: Env) -> None:
    spec = env.client.get("/openapi.json").json()
    assert "/api/v1/accounts/{account_id}/messages" in spec["paths"]


def test_inbox_filters_on_triage_and_hides_noise_unless_asked(env: Env) -> None:
    env.post(
        message(
            "n1", author="spammer", text="WIN a FREE iPhone!!! Click here http://bit.ly/xx #contest #giveaway"
        )
    )
    env.post(
        message(
            "n2", author="ana", text="Bonjour, ma facture est fausse : vous m'avez prélevé deux fois 49 €."
        )
    )
    env.process()
    get = env.client.get
    default = get("/api/v1/conversations?sort=priority", headers=env.headers).json()["conversations"]
    everything = get("/api/v1/conversations?sort=priority&noise=include", headers=env.headers).json()[
        "conversations"
    ]
    only = get("/api/v1/conversations?sort=priority&noise=only", headers=env.headers).json()["conversations"]
    assert [c["preview"][:7] for c in default] == ["Bonjour"]
    assert [c["preview"][:7] for c in everything] == ["Bonjour", "WIN a F"]
    assert [c["noise"] for c in only] == [True]
    french = get("/api/v1/conversations?sort=recent&language=fr", headers=env.headers).json()["conversations"]
    assert [c["language"] for c in french] == ["fr"]


def test_a_short_answer_after_the_brand_reply_is_judged_with_the_thread(env: Env) -> None:
    env.post(message("t1", text="My parcel never arrived, can you check?"))
    assert env.process() == 1
    (conversation,) = env.client.get("/api/v1/conversations", headers=env.headers).json()["conversations"]
    reply = env.client.post(
        f"/api/v1/conversations/{conversation['id']}/replies",
        json={"text": "Sorry about that! Could you send us your order number?"},
        headers=env.headers,
    )
    assert reply.status_code == 202
    env.post(message("t2", text="Order 4471-2231", sent_at="2026-11-20T10:05:00Z"))
    env.process()  # the reply's delivery job and the new message
    detail = env.client.get(f"/api/v1/conversations/{conversation['id']}", headers=env.headers).json()
    answer = [m for m in detail["messages"] if m["direction"] == "inbound"][-1]
    assert answer["triage"]["intent"] == "request"
    assert any("answer to the brand" in r for r in answer["triage"]["reasons"]["intent"])

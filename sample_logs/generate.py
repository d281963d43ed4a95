"""Generate sample_logs/: a small, realistic, seeded set of app request logs (run `make golden`).

Two apps over twelve weeks (2026-09-01 to 2026-11-23): a chat assistant on OpenAI (Chat
Completions bodies in the app's envelope) and a support bot on Anthropic (Messages bodies in the
envelope). Conversations have 1 to 8 turns; each turn re-sends the history, so the prompt grows by
the previous prompt plus the previous answer; the providers' prompt caches serve the stable part
(OpenAI: 1024-token minimum, 128-token steps; Anthropic: explicit 5-minute and 1-hour writes).
Traffic has a weekly pattern, slow growth and a launch step on 2026-10-15. Values are invented.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).parent
START = datetime(2026, 9, 1, tzinfo=UTC)
DAYS = 84
LAUNCH = datetime(2026, 10, 15, tzinfo=UTC)

OPENAI_MODELS = [("gpt-4.1-mini-2025-04-14", 0.70), ("gpt-4o-2024-08-06", 0.20), ("o3-2025-04-16", 0.10)]
ANTHROPIC_MODELS = [("claude-sonnet-4-5-20250929", 0.6), ("claude-haiku-4-5-20251001", 0.4)]


def _pick(rng: random.Random, choices: list[tuple[str, float]]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _daily_conversations(rng: random.Random, day: datetime, base: float) -> int:
    weekday = day.weekday()
    season = 1.0 if weekday < 5 else 0.45
    growth = 1 + 0.004 * (day - START).days
    step = 1.35 if day >= LAUNCH else 1.0
    return max(1, int(rng.gauss(base * season * growth * step, base * 0.08)))


def _turns(rng: random.Random) -> int:
    return min(8, 1 + int(rng.expovariate(0.55)))


def openai_app(rng: random.Random) -> list[dict]:
    rows = []
    n = 0
    for d in range(DAYS):
        day = START + timedelta(days=d)
        for c in range(_daily_conversations(rng, day, 22)):
            model = _pick(rng, OPENAI_MODELS)
            user = f"user-{rng.randint(1, 60):03d}"
            conv = f"chat-{day:%m%d}-{c:03d}"
            t = day + timedelta(seconds=rng.randint(7 * 3600, 22 * 3600))
            system = 900 + rng.randint(0, 400)
            history = 0
            prev_prompt = 0
            for turn in range(1, _turns(rng) + 1):
                question = rng.randint(20, 400)
                prompt = system + history + question
                cached = (prev_prompt // 128) * 128 if prev_prompt >= 1024 and rng.random() < 0.85 else 0
                answer = rng.randint(40, 700)
                reasoning = 0
                if model.startswith("o3"):
                    reasoning = rng.randint(100, 1500)
                    answer += reasoning
                n += 1
                rows.append({
                    "ts": t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                    "session_id": conv,
                    "user": user,
                    "app": "assistant",
                    "response": {
                        "id": f"chatcmpl-{n:07d}",
                        "object": "chat.completion",
                        "created": int(t.timestamp()),
                        "model": model,
                        "service_tier": "default",
                        "choices": [{"index": 0, "finish_reason": "stop",
                                     "message": {"role": "assistant", "content": "(omitted)"}}],
                        "usage": {
                            "prompt_tokens": prompt,
                            "completion_tokens": answer,
                            "total_tokens": prompt + answer,
                            "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
                            "completion_tokens_details": {"reasoning_tokens": reasoning, "audio_tokens": 0},
                        },
                    },
                })
                history += question + answer - reasoning
                prev_prompt = prompt
                t += timedelta(seconds=rng.randint(20, 400))
    return rows


def anthropic_bot(rng: random.Random) -> list[dict]:
    rows = []
    n = 0
    for d in range(DAYS):
        day = START + timedelta(days=d)
        for c in range(_daily_conversations(rng, day, 9)):
            model = _pick(rng, ANTHROPIC_MODELS)
            conv = f"ticket-{day:%m%d}-{c:03d}"
            user = f"customer-{rng.randint(1, 400):04d}"
            t = day + timedelta(seconds=rng.randint(6 * 3600, 20 * 3600))
            prefix = 2500 + rng.randint(0, 1500)  # tools + policy documents, cached
            one_hour = rng.random() < 0.3
            history = 0
            last = None
            for turn in range(1, _turns(rng) + 1):
                question = rng.randint(30, 300)
                warm = last is not None and (t - last) < timedelta(minutes=60 if one_hour else 5)
                if turn == 1 or not warm:
                    cache_write, cache_read = prefix + history, 0
                else:
                    cache_write, cache_read = history - prev_history, prefix + prev_history
                answer = rng.randint(60, 600)
                n += 1
                write_1h = cache_write if one_hour else 0
                rows.append({
                    "timestamp": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "conversation_id": conv,
                    "user_id": user,
                    "project": "support-bot",
                    "response": {
                        "id": f"msg_{n:07d}",
                        "type": "message",
                        "role": "assistant",
                        "model": model,
                        "content": [{"type": "text", "text": "(omitted)"}],
                        "stop_reason": "end_turn",
                        "usage": {
                            "input_tokens": question,
                            "cache_creation_input_tokens": cache_write,
                            "cache_read_input_tokens": cache_read,
                            "cache_creation": {"ephemeral_5m_input_tokens": cache_write - write_1h,
                                               "ephemeral_1h_input_tokens": write_1h},
                            "output_tokens": answer,
                            "service_tier": "standard",
                        },
                    },
                })
                prev_history = history
                history += question + answer
                last = t
                t += timedelta(seconds=rng.randint(30, 900))
    return rows


def main() -> None:
    rng = random.Random(20261124)
    out = HERE / "app-logs"
    out.mkdir(exist_ok=True)
    for name, rows in (("assistant-openai.jsonl", openai_app(rng)), ("support-bot-anthropic.jsonl", anthropic_bot(rng))):
        with open(out / name, "w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r, separators=(",", ":")) + "\n")
        print(f"wrote {len(rows):,} rows to {out / name}")


if __name__ == "__main__":
    main()

"""Migrations, run explicitly as a one-off job (`python -m app.migrate`),
never implicitly at app start: several app replicas must not race on DDL."""

import asyncio

import asyncpg

from app.settings import DATABASE_URL

MIGRATIONS = [
    """CREATE TABLE IF NOT EXISTS notes (
           id BIGSERIAL PRIMARY KEY,
           text TEXT NOT NULL,
           created_at TIMESTAMPTZ NOT NULL DEFAULT now()
       )""",
]


# How long to keep trying to reach the database: `depends_on: service_healthy`
# orders the start, but a restart of the database can still race a run.
CONNECT_WITHIN_S = 30.0


async def connect() -> asyncpg.Connection:
    deadline = asyncio.get_running_loop().time() + CONNECT_WITHIN_S
    while True:
        try:
            return await asyncpg.connect(DATABASE_URL)
        except (OSError, asyncpg.CannotConnectNowError) as exc:
            if asyncio.get_running_loop().time() >= deadline:
                raise SystemExit(
                    f"migrate: no database within {CONNECT_WITHIN_S:g}s: {exc}"
                ) from None
            await asyncio.sleep(1.0)


async def migrate() -> None:
    connection = await connect()
    try:
        async with connection.transaction():
            for statement in MIGRATIONS:
                await connection.execute(statement)
    finally:
        await connection.close()
    print(f"migrate: {len(MIGRATIONS)} migration(s) applied", flush=True)


if __name__ == "__main__":
    asyncio.run(migrate())

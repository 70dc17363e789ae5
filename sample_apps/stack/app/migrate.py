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


async def migrate() -> None:
    connection = await asyncpg.connect(DATABASE_URL)
    try:
        async with connection.transaction():
            for statement in MIGRATIONS:
                await connection.execute(statement)
    finally:
        await connection.close()
    print(f"migrate: {len(MIGRATIONS)} migration(s) applied", flush=True)


if __name__ == "__main__":
    asyncio.run(migrate())

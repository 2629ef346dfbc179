import psycopg


def test_throwaway_server_accepts_queries(pg_url):
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT 40 + 2").fetchone() == (42,)
        assert conn.execute("SHOW server_version").fetchone()[0].startswith("15")

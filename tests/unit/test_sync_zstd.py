"""A zstd answer (how the core sends feed pages) is read whole and decompressed frame after
frame; one that is not zstd, is cut short or is too large is an error the sync survives."""

from __future__ import annotations

import httpx
import pytest
import zstandard

from workbench.sync.client import Unreachable, make_client, request

PAGE = b'{"changes":[],"cursor":"7","more":false}' * 200


def zstd_core(body: bytes, encoding: str = "zstd"):
    def answer(request: httpx.Request) -> httpx.Response:
        headers = {"Content-Encoding": encoding}
        return httpx.Response(200, stream=httpx.ByteStream(body), headers=headers)

    return httpx.MockTransport(answer)


async def fetch(transport, **kw) -> bytes:
    async with make_client("http://core.test", transport=transport) as client:
        return (await request(client, "GET", "/v1/changes", **kw)).content


def packed(data: bytes, **kw) -> bytes:
    return zstandard.ZstdCompressor(level=1, **kw).compress(data)


@pytest.mark.parametrize(
    "body",
    [
        packed(PAGE),
        packed(PAGE, write_content_size=False),  # a frame that does not say its size
        packed(PAGE[:3000]) + packed(PAGE[3000:]),  # two frames
    ],
)
async def test_a_zstd_answer_is_read_as_the_json_it_holds(body):
    assert await fetch(zstd_core(body)) == PAGE


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (packed(PAGE)[:-9], "cut short"),
        (b"not zstd at all", "not valid zstd"),
        (packed(PAGE) + b"junk", "not valid zstd"),
        (packed(PAGE), "larger than"),
        (packed(PAGE, write_content_size=False), "larger than"),
    ],
)
async def test_a_bad_or_huge_zstd_answer_is_an_error_in_words(body, reason):
    with pytest.raises(Unreachable, match=reason):
        await fetch(zstd_core(body), max_body=len(PAGE) // 2 if "larger" in reason else 10**6)


async def test_other_encodings_are_still_decoded_by_httpx():
    import gzip

    assert await fetch(zstd_core(gzip.compress(PAGE), "gzip")) == PAGE


async def test_an_answer_a_transport_has_read_already_is_decoded_by_httpx():
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=packed(PAGE), headers={"Content-Encoding": "zstd"})

    assert await fetch(httpx.MockTransport(answer)) == PAGE

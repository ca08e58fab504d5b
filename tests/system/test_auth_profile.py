"""Auth: profile, avatars, media and public profiles (behaviours B.5 items
57-69, B.6 items 71-73; D8, P13)."""

import secrets
import struct
import subprocess
import zlib
from urllib.parse import quote, urlsplit

import pytest

INVALID_IMAGE = ("Загрузите правильное изображение. Файл, который вы загрузили, поврежден или не является "
                 "изображением.")


def ip():
    return "10.%d.%d.%d" % tuple(secrets.randbelow(250) + 1 for _ in range(3))


def uname(prefix="p"):
    return f"{prefix}{secrets.token_hex(5)}"


def png(w, h, rgba=False, depth=8, gray=False):
    """A valid PNG, built by hand (no imaging library needed)."""
    if gray:
        row = b"\x00" + b"\x00" * ((w * depth + 7) // 8)
        ctype = 0
    else:
        px = bytes([200, 30, 30, 128] if rgba else [200, 30, 30])
        row = b"\x00" + px * w
        ctype = 6 if rgba else 2

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(row * h, 9)) +
            chunk(b"IEND", b""))


def png_size(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def multipart(fields=None, files=None):
    b = "----echoTest" + secrets.token_hex(8)
    out = b""
    for k, v in (fields or {}).items():
        out += f'--{b}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'.encode() + v.encode() + b"\r\n"
    for k, (fn, data) in (files or {}).items():
        out += (f'--{b}\r\nContent-Disposition: form-data; name="{k}"; filename="{fn}"\r\n'
                f'Content-Type: application/octet-stream\r\n\r\n').encode() + data + b"\r\n"
    return out + f"--{b}--\r\n".encode(), f"multipart/form-data; boundary={b}"


@pytest.fixture
def user(new_client):
    c = new_client(forwarded_for=ip())
    c.csrf()
    name = uname()
    r = c.post("/api/auth/register/", json={"username": name, "password1": "pass12345", "password2": "pass12345"})
    assert r.status == 201
    c.name = name
    return c


def post_profile(c, fields=None, files=None):
    body, ct = multipart(fields, files)
    return c.post("/api/auth/profile/", body=body, headers={"Content-Type": ct})


def media(c, url):
    return c.get(urlsplit(url).path)


def test_b5_item57_profile_requires_login(new_client):
    r = new_client(forwarded_for=ip()).get("/api/auth/profile/")
    assert r.status == 401 and r.json()["error"] == "Требуется авторизация"


def test_b5_item58_guest_post(new_client):
    c = new_client(forwarded_for=ip())
    assert c.post("/api/auth/profile/", json={"username": "x"}).status == 403
    c.csrf()
    assert c.post("/api/auth/profile/", json={"username": "x"}).status == 401


def test_b5_item59_full_replace(user):
    r = post_profile(user, {"username": user.name, "email": "a@example.com", "bio": "hello"})
    assert r.status == 200, r
    assert r.json()["user"]["email"] == "a@example.com"
    r = post_profile(user, {"username": user.name})
    assert r.status == 200
    u = r.json()["user"]
    assert u["email"] == "" and u["bio"] == ""
    assert user.get("/api/auth/profile/").json()["user"]["email"] == ""


def test_b5_item60_username_required(user):
    r = post_profile(user, {"bio": "x"})
    assert r.status == 400
    assert r.json() == {"errors": {"username": ["Обязательное поле."]}, "code": "validation_failed"}
    assert "error" not in r.json()


def test_b5_item61_username_taken(user, new_client):
    other = new_client(forwarded_for=ip())
    other.csrf()
    taken = uname()
    other.post("/api/auth/register/", json={"username": taken, "password1": "pass12345", "password2": "pass12345"})
    r = post_profile(user, {"username": taken})
    assert r.status == 400
    assert r.json()["errors"] == {"username": ["Пользователь с таким именем уже существует."]}


def test_b5_item62_bio(user):
    r = post_profile(user, {"username": user.name, "bio": "я" * 1001})
    assert r.status == 400
    assert r.json()["errors"]["bio"] == [
        "Убедитесь, что это значение содержит не более 1000 символов (сейчас 1001)."]
    r = post_profile(user, {"username": user.name, "bio": "  x  "})
    assert r.json()["user"]["bio"] == "x"
    r = post_profile(user, {"username": user.name, "bio": "a\x00b"})
    assert r.json()["errors"]["bio"] == ["Данные содержат запрещённый символ: ноль-байт"]


def test_b5_item63_invalid_email(user):
    for bad in ("nope", "a@b", "a@@b.com", "a b@example.com"):
        r = post_profile(user, {"username": user.name, "email": bad})
        assert r.status == 400, bad
        assert r.json()["errors"] == {"email": ["Введите правильный адрес электронной почты."]}


def test_b5_json_profile_body(user):
    r = user.post("/api/auth/profile/", json={"username": user.name, "bio": "json"})
    assert r.status == 200 and r.json()["user"]["bio"] == "json"
    r = user.post("/api/auth/profile/", json={"username": 5})
    assert r.status == 400 and "username" in r.json()["errors"]


def test_b5_item64_image_errors(user):
    cases = [
        (("x.png", b"just text"), INVALID_IMAGE),
        (("x.txt", png(10, 10)), "Расширение файлов “txt” не поддерживается. Разрешенные расширения: "
                                 "gif, jpeg, jpg, png, webp."),
        (("x", png(10, 10)), "Расширение файлов “” не поддерживается. Разрешенные расширения: "
                             "gif, jpeg, jpg, png, webp."),
        (("x.png", b""), "Отправленный файл пуст."),
        (("a" * 97 + ".png", png(10, 10)),
         "Убедитесь, что это имя файла содержит не более 100 символов (сейчас 101)."),
    ]
    before = user.get("/api/auth/profile/").json()["user"]["profileImage"]
    for f, msg in cases:
        r = post_profile(user, {"username": user.name}, {"image": f})
        assert r.status == 400, (f[0], r)
        assert r.json()["errors"] == {"image": [msg]}, f[0]
    assert user.get("/api/auth/profile/").json()["user"]["profileImage"] == before


def test_b5_items65_67_downscale_replace_and_keep_default(user):
    r = post_profile(user, {"username": user.name}, {"image": ("big.png", png(1000, 500))})
    assert r.status == 200, r
    first = r.json()["user"]["profileImage"]
    assert urlsplit(first).path.startswith("/media/profile_pics/") and first.endswith(".png")
    assert len(urlsplit(first).path.split("/")[-1]) == 32 + 4
    got = media(user, first)
    assert got.status == 200 and got.header("Content-Type") == "image/png"
    assert png_size(got.body) == (300, 150)
    assert "immutable" in got.header("Cache-Control") and got.header("ETag")
    r = post_profile(user, {"username": user.name}, {"image": ("again.png", png(400, 400, rgba=True))})
    second = r.json()["user"]["profileImage"]
    assert second != first
    assert media(user, first).status == 404  # the previous file is gone
    assert media(user, second).status == 200
    assert user.get("/media/default.jpg").status == 200  # item 67


def test_b5_item66_small_image_kept_size_ext_lowercased(user):
    """P13/D8 supersede 'byte-identical' (metadata is stripped) and the kept
    extension case (the detected format names the file)."""
    r = post_profile(user, {"username": user.name}, {"image": ("A.PNG", png(200, 200))})
    assert r.status == 200
    url = r.json()["user"]["profileImage"]
    assert url.endswith(".png")
    assert png_size(media(user, url).body) == (200, 200)


def test_b5_item68_rgba_png_named_jpg_stored_as_png(user):
    r = post_profile(user, {"username": user.name}, {"image": ("x.jpg", png(600, 600, rgba=True))})
    assert r.status == 200, r
    url = r.json()["user"]["profileImage"]
    assert url.endswith(".png")
    assert png_size(media(user, url).body) == (300, 300)


def test_b5_decompression_bomb_refused(user):
    bomb = png(8000, 8000, depth=1, gray=True)  # 64 Mpx in ~8 KB
    assert len(bomb) < 100_000
    r = post_profile(user, {"username": user.name}, {"image": ("bomb.png", bomb)})
    assert r.status == 400
    assert "image" in r.json()["errors"]


def test_b5_item69_body_over_20mib_is_413(user):
    """The gateway refuses by Content-Length, before the body is sent."""
    import socket
    u = urlsplit(user.base_url)
    head = (f"POST /api/auth/profile/ HTTP/1.1\r\nHost: {u.netloc}\r\n"
            f"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {21 * 1024 * 1024}\r\n"
            f"Cookie: {user.cookie_header()}\r\nX-CSRFToken: {user.csrf_token}\r\nOrigin: {user.origin}\r\n"
            f"\r\n").encode()
    with socket.create_connection((u.hostname, u.port), timeout=10) as s:
        s.sendall(head + b"\0" * 65536)
        data = s.recv(4096)
    assert data.startswith(b"HTTP/1.1 413"), data[:100]


def test_b5_media_etag_304(user, stack):
    r = user.get("/media/default.jpg")
    assert r.status == 200 and r.header("Content-Type") == "image/jpeg"
    etag = r.header("ETag")
    r2 = user.get("/media/default.jpg", headers={"If-None-Match": etag})
    assert r2.status == 304


def test_b5_item70_rename_moves_public_profile(user):
    old = user.name
    new = uname("renamed")
    assert post_profile(user, {"username": new}).status == 200
    assert user.get(f"/api/auth/users/{old}/").status == 404
    assert user.get(f"/api/auth/users/{new}/").status == 200


def test_b6_item71_public_profile_hides_email(user, new_client):
    post_profile(user, {"username": user.name, "email": "me@example.com"})
    r = new_client(forwarded_for=ip()).get(f"/api/auth/users/{user.name}/")
    assert r.status == 200
    u = r.json()["user"]
    assert u["email"] == "" and u["username"] == user.name
    assert "is_staff" not in u


def test_b6_item72_unknown_or_other_case_404(user):
    assert user.get(f"/api/auth/users/{user.name.upper()}/").json() == {"error": "Not found", "code": "not_found"}
    assert user.get("/api/auth/users/nobody-" + secrets.token_hex(4) + "/").status == 404


def test_b6_item73_percent_encoded_unicode(user):
    name = "Ёжик" + secrets.token_hex(3)
    r = post_profile(user, {"username": name})
    assert r.status == 200
    assert user.get("/api/auth/users/" + quote(name) + "/").json()["user"]["username"] == name

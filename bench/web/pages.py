"""Signs in like a browser (password, then TOTP) and times every web UI page."""
import base64, hashlib, hmac, json, os, re, statistics, struct, time, urllib.parse, urllib.request
from http.cookiejar import CookieJar

base, runs = os.environ["BASE"], int(os.environ["RUNS"])
out = open(os.environ["LOG"]).read()
email = re.search(r"email:\s+(\S+)", out).group(1)
password = re.search(r"password:\s+(\S+)", out).group(1)
secret = re.search(r"TOTP secret:\s+(\S+)", out).group(1)

def totp(secret):
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
    o = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)

jar = CookieJar()
# The session cookie is `Secure`; over plain loopback it is sent by hand.
opener = urllib.request.build_opener()
def call(method, path, body=None, headers=None):
    req = urllib.request.Request(base + path, data=body, method=method, headers=headers or {})
    if cookie:
        req.add_header("cookie", cookie)
    return opener.open(req)

cookie = None
r = call("POST", "/api/v1/auth/login", json.dumps({"email": email, "password": password}).encode(),
         {"content-type": "application/json"})
cookie = r.headers["set-cookie"].split(";")[0]
csrf = json.loads(r.read())["csrf_token"]
call("POST", "/api/v1/auth/totp", json.dumps({"code": totp(secret)}).encode(),
     {"content-type": "application/json", "x-csrf-token": csrf})

first_finding = None
pages = [
    ("dashboard", "/w/demo"),
    ("program", "/w/demo/program"),
    ("program (managed)", "/w/demo/program?model=managed"),
    ("obligations", "/w/demo/obligations"),
    ("obligations (overdue)", "/w/demo/obligations?status=overdue"),
    ("obligations calendar", "/w/demo/obligations?view=calendar"),
    ("obligation", None),
    ("evidence", "/w/demo/evidence"),
    ("evidence (page 100)", None),
    ("evidence item", "/w/demo/evidence/1"),
    ("findings", "/w/demo/findings"),
    ("findings (critical, open, overdue)", "/w/demo/findings?severity=critical&status=open&sla=overdue"),
    ("findings (page 150)", "/w/demo/findings?page=150"),
    ("finding", None),
    ("ledger", "/w/demo/ledger"),
    ("documents", "/w/demo/documents"),
    ("document", "/w/demo/documents/view?path=matrix.md"),
    ("settings", "/w/demo/settings"),
    ("account", "/account"),
]
html = call("GET", "/w/demo/findings").read().decode()
m = re.search(r'/w/demo/findings/item\?id=([^"]+)"', html)
fid = m.group(1) if m else ""
html = call("GET", "/w/demo/obligations").read().decode()
m = re.search(r'/w/demo/obligations/item\?id=([^"]+)"', html)
oid = m.group(1) if m else ""
html = call("GET", "/w/demo/evidence?before=95000").read().decode()
pages = [(n, p if p else {"obligation": f"/w/demo/obligations/item?id={oid}",
                          "finding": f"/w/demo/findings/item?id={fid}",
                          "evidence (page 100)": "/w/demo/evidence?before=95000"}[n]) for n, p in pages]
docs = call("GET", "/w/demo/documents").read().decode()
m = re.search(r'/w/demo/documents/view\?path=([^"]+)"', docs)
if m:
    pages = [(n, f"/w/demo/documents/view?path={m.group(1)}" if n == "document" else p) for n, p in pages]

def timed(path):
    t = time.perf_counter()
    r = call("GET", path)
    r.read()
    assert r.status == 200, (path, r.status)
    return (time.perf_counter() - t) * 1000

# Start right after a minute turns, so the first page pays for a fresh evaluation.
time.sleep(60 - time.time() % 60 + 0.5)
print("| page | first ms | median ms | max ms |")
print("|---|---:|---:|---:|")
for name, path in pages:
    # The first fetch of a page may pay for the evaluation (cached per minute and ledger
    # size) and, on the dashboard, for the weekly trend (cached per hour).
    first = timed(path)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        r = call("GET", path)
        r.read()
        times.append((time.perf_counter() - t) * 1000)
        assert r.status == 200, (path, r.status)
    print(f"| {name} | {first:.1f} | {statistics.median(times):.1f} | {max(times):.1f} |")

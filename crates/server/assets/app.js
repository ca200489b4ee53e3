// Covenant web UI: small progressive enhancements. Every page works without this file.
"use strict";

// ---- Evidence upload: drag and drop onto the drop zone fills the file input. ----
function setupDrop(zone) {
  const input = document.getElementById(zone.dataset.input);
  const label = zone.querySelector("[data-file-name]");
  if (!input) return;
  const show = () => {
    if (label) label.textContent = input.files.length ? input.files[0].name : "No file chosen";
  };
  input.addEventListener("change", show);
  ["dragenter", "dragover"].forEach((t) => zone.addEventListener(t, (e) => {
    e.preventDefault();
    zone.classList.add("over");
  }));
  ["dragleave", "drop"].forEach((t) => zone.addEventListener(t, (e) => {
    e.preventDefault();
    zone.classList.remove("over");
  }));
  zone.addEventListener("drop", (e) => {
    if (e.dataTransfer && e.dataTransfer.files.length) {
      input.files = e.dataTransfer.files;
      show();
    }
  });
}

// ---- Triage: show only the fields the chosen status needs. ----
function setupTriage(form) {
  const status = form.querySelector("select[name=status]");
  const sync = () => {
    form.querySelectorAll("[data-for-status]").forEach((el) => {
      const wanted = el.dataset.forStatus.split(" ");
      el.classList.toggle("hidden", !wanted.includes(status.value));
    });
  };
  status.addEventListener("change", sync);
  sync();
}

// ---- Inclusion proofs, checked here with WebCrypto, trusting nothing the page says. ----
// Hashing as in RFC 6962 / 9162 (crates/ledger/src/merkle.rs): leaf = SHA-256(0x00 || entry),
// node = SHA-256(0x01 || left || right).
const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");
const unhex = (s) => new Uint8Array(s.match(/../g).map((h) => parseInt(h, 16)));
const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
async function sha256(parts) {
  const len = parts.reduce((n, p) => n + p.length, 0);
  const buf = new Uint8Array(len);
  let o = 0;
  for (const p of parts) { buf.set(p, o); o += p.length; }
  return new Uint8Array(await crypto.subtle.digest("SHA-256", buf));
}
const leafHash = (entry) => sha256([new Uint8Array([0]), entry]);
const nodeHash = (l, r) => sha256([new Uint8Array([1]), l, r]);

// RFC 9162 section 2.1.3.2: the root an inclusion proof leads to. BigInt keeps sizes exact.
async function rootFromInclusion(index, size, leaf, proof) {
  if (index >= size) throw new Error("index is not below the tree size");
  let fn = index, sn = size - 1n, r = leaf;
  for (const p of proof) {
    if (sn === 0n) throw new Error("proof is too long");
    if ((fn & 1n) === 1n || fn === sn) {
      r = await nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n; sn >>= 1n;
  }
  if (sn !== 0n) throw new Error("proof is too short");
  return r;
}

// A C2SP checkpoint: origin, size, base64 root, blank line, signature lines.
function parseCheckpoint(note) {
  const [body, sigs] = note.split("\n\n");
  const lines = body.split("\n");
  return { text: body + "\n", origin: lines[0], size: BigInt(lines[1]), root: unb64(lines[2]), sigs: (sigs || "").split("\n").filter(Boolean) };
}

// The Ed25519 signature of the note under the workspace's verifier key, where the
// browser's WebCrypto has Ed25519; returns null when it cannot be checked here.
async function checkSignature(cp, verifierKey) {
  // `name+keyid+base64(0x01 || key)`; the base64 part may itself contain "+".
  const i = verifierKey.indexOf("+");
  const j = verifierKey.indexOf("+", i + 1);
  const name = verifierKey.slice(0, i);
  const key = verifierKey.slice(j + 1);
  const raw = unb64(key);
  if (raw[0] !== 1) return false;
  const line = cp.sigs.find((s) => s.startsWith("\u2014 " + name + " "));
  if (!line) return false;
  const sig = unb64(line.split(" ")[2]).slice(4);
  let pub;
  try {
    pub = await crypto.subtle.importKey("raw", raw.slice(1), { name: "Ed25519" }, false, ["verify"]);
  } catch (e) {
    return null;
  }
  return crypto.subtle.verify({ name: "Ed25519" }, pub, sig, new TextEncoder().encode(cp.text));
}

async function verify(button) {
  const out = document.getElementById(button.dataset.output);
  out.className = "verify-result";
  out.textContent = "Checking…";
  try {
    // A new entry waits for the next signed checkpoint (about a second): 409 says retry.
    let res;
    for (let attempt = 0; ; attempt++) {
      res = await fetch(button.dataset.proof, { headers: { accept: "application/json" }, credentials: "same-origin" });
      if (res.status !== 409 || attempt >= 10) break;
      out.textContent = "Waiting for the next signed checkpoint…";
      const wait = Number(res.headers.get("retry-after")) || 1;
      await new Promise((resolve) => setTimeout(resolve, wait * 1000));
    }
    if (!res.ok) throw new Error("the server answered " + res.status);
    const p = await res.json();
    const cp = parseCheckpoint(p.checkpoint);
    const entry = new TextEncoder().encode(p.entry);
    const leaf = await leafHash(entry);
    if (hex(leaf) !== p.leaf_hash) throw new Error("the entry does not hash to its leaf");
    const root = await rootFromInclusion(BigInt(p.seq), cp.size, leaf, p.proof.map(unhex));
    if (hex(root) !== hex(cp.root)) throw new Error("the proof does not lead to the checkpoint's root");
    const signed = await checkSignature(cp, p.verifier_key);
    if (signed === false) throw new Error("the checkpoint's signature does not verify");
    out.className = "verify-result notice";
    out.textContent = "Verified against checkpoint " + cp.size + " (root " + hex(root).slice(0, 16) + "…)" +
      (signed ? ", signature valid." : "; this browser cannot check Ed25519 signatures.");
    out.dataset.verified = "true";
  } catch (e) {
    out.className = "verify-result alert";
    out.textContent = "Verification failed: " + e.message;
    out.dataset.verified = "false";
  }
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-drop]").forEach(setupDrop);
  document.querySelectorAll("form[data-triage]").forEach(setupTriage);
  document.querySelectorAll("button[data-proof]").forEach((b) => {
    b.hidden = false;
    b.addEventListener("click", () => verify(b));
  });
});

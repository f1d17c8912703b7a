// The solvency verifier module's host side: hands a proof file to the module, fetches the
// parameters and keys it says it needs, and returns its verdict. Shared by the page's Web
// Worker and the command-line tests; nothing here decides validity — the module checks every
// fetched byte against the digests compiled into it.

/** Instantiates the module (it has no imports). */
export async function instantiate(moduleBytes) {
  const { instance } = await WebAssembly.instantiate(moduleBytes, {});
  return instance.exports;
}

/** Copies `bytes` into the module's memory; returns [pointer, length]. */
function put(wasm, bytes) {
  if (bytes.length === 0) return [0, 0];
  const ptr = wasm.alloc(bytes.length);
  new Uint8Array(wasm.memory.buffer, ptr, bytes.length).set(bytes);
  return [ptr, bytes.length];
}

/** Reads and releases an answer buffer: [len: u32 LE][UTF-8 JSON]. */
function take(wasm, ptr) {
  const len = new DataView(wasm.memory.buffer).getUint32(ptr, true);
  const text = new TextDecoder().decode(new Uint8Array(wasm.memory.buffer, ptr + 4, len));
  wasm.release(ptr, 4 + len);
  return JSON.parse(text);
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Verifies `proof` (and `inclusion`, if given; both Uint8Array). `fetchBytes(path)` returns
 * the bytes of a site file such as `params/params-k15.bin`; `progress(text)` hears each step.
 * Returns the module's verdict object: `valid`, `text` (lines) or `error`.
 */
export async function verify(wasm, { proof, inclusion, fetchBytes, progress = () => {} }) {
  const inputs = [];
  const give = (bytes) => {
    const slot = put(wasm, bytes);
    inputs.push(slot);
    return slot;
  };
  try {
    const p = give(proof);
    const needs = take(wasm, wasm.needs(...p));
    if (!needs.ok) return needs;
    const what = needs.shards ? `${needs.shards} shard proofs and the top proof` : "the proof";
    progress(`${needs.protocol}, epoch ${needs.epoch}: fetching parameters (k = ${needs.params.join(", ")}) and keys`);
    const [params, keys] = await Promise.all([
      Promise.all(needs.params.map((k) => fetchBytes(`params/params-k${k}.bin`))),
      Promise.all(needs.keys.map((name) => fetchBytes(`keys/${name}.bin`))),
    ]);
    progress(`verifying ${what}`);
    const args = [p, give(concat(keys)), give(concat(params)), give(inclusion ?? new Uint8Array())];
    return take(wasm, wasm.verify(...args.flat()));
  } finally {
    for (const [ptr, len] of inputs) if (len) wasm.release(ptr, len);
  }
}

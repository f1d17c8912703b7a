// Runs the verifier module off the page's main thread, so the page stays responsive while a
// proof set verifies. Messages in: {proof, inclusion?} (ArrayBuffers). Messages out:
// {progress: text} while working, then {verdict, ms} or {failure: text}.
import { instantiate, verify } from "./verifier.js";

let module;

async function fetchBytes(path) {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`${path}: ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
}

self.onmessage = async ({ data }) => {
  const progress = (text) => self.postMessage({ progress: text });
  try {
    if (!module) {
      progress("loading the verifier module");
      module = await instantiate(await fetchBytes("solvency_verifier.wasm"));
    }
    const start = performance.now();
    const verdict = await verify(module, {
      proof: new Uint8Array(data.proof),
      inclusion: data.inclusion && new Uint8Array(data.inclusion),
      fetchBytes,
      progress,
    });
    self.postMessage({ verdict, ms: performance.now() - start });
  } catch (e) {
    // A trap inside the module leaves it unusable: load it afresh next time.
    module = undefined;
    self.postMessage({ failure: String(e) });
  }
};

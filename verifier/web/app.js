// The page: takes a proof file (and optionally an inclusion file) from the pickers, a drop,
// or ?proof=URL&inclusion=URL, hands them to the worker and shows its verdict.
const $ = (id) => document.getElementById(id);
const worker = new Worker("worker.js", { type: "module" });
const chosen = { proof: undefined, inclusion: undefined };
let started;

function show(verdictText, valid, details = "") {
  const verdict = $("verdict");
  verdict.textContent = verdictText;
  verdict.className = valid ? "valid" : "invalid";
  $("details").textContent = details;
}

function start() {
  if (!chosen.proof) return;
  started = performance.now();
  $("verdict").textContent = "";
  $("verdict").className = "";
  $("details").textContent = "";
  $("progress").textContent = "starting";
  worker.postMessage({ proof: chosen.proof, inclusion: chosen.inclusion });
}

worker.onmessage = ({ data }) => {
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  if (data.progress) {
    $("progress").textContent = `${data.progress} (${seconds} s)`;
    return;
  }
  $("progress").textContent = `done in ${seconds} s (verification ${(data.ms / 1000).toFixed(2)} s)`;
  if (data.failure) {
    show(`INVALID: the verifier stopped: ${data.failure}`, false);
  } else if (data.verdict.valid) {
    const [first, ...rest] = data.verdict.text;
    show(first, true, rest.join("\n"));
  } else {
    show(`INVALID: ${data.verdict.error}`, false);
  }
};

/** Sorts a file into the proof or the inclusion slot by its "format" field. */
async function take(buffer, name) {
  let format = "";
  try {
    format = JSON.parse(new TextDecoder().decode(buffer)).format ?? "";
  } catch {
    // Not JSON: the module will say what is wrong with it as a proof file.
  }
  const slot = format.startsWith("solvency-inclusion") ? "inclusion" : "proof";
  chosen[slot] = buffer;
  $(`${slot}-name`).textContent = name;
}

async function takeFiles(files) {
  for (const file of files) await take(await file.arrayBuffer(), file.name);
  start();
}

$("proof-file").onchange = (e) => takeFiles(e.target.files);
$("inclusion-file").onchange = (e) => takeFiles(e.target.files);
const drop = $("drop");
drop.ondragover = (e) => {
  e.preventDefault();
  drop.classList.add("over");
};
drop.ondragleave = () => drop.classList.remove("over");
drop.ondrop = (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  takeFiles(e.dataTransfer.files);
};

/** Files named in the address: same origin only, so the page makes no outside request. */
async function fromQuery() {
  const query = new URLSearchParams(location.search);
  for (const slot of ["proof", "inclusion"]) {
    const given = query.get(slot);
    if (!given) continue;
    const url = new URL(given, location.href);
    if (url.origin !== location.origin) {
      show(`INVALID: ${slot} ${given} is on another origin; this page fetches its own files only`, false);
      return;
    }
    const response = await fetch(url);
    if (!response.ok) {
      show(`INVALID: ${slot} ${given}: ${response.status} ${response.statusText}`, false);
      return;
    }
    chosen[slot] = await response.arrayBuffer();
    $(`${slot}-name`).textContent = url.pathname;
  }
  start();
}
fromQuery();

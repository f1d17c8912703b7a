// The page: takes a proof file and, optionally, an inclusion file from their pickers, a drop,
// or ?proof=URL&inclusion=URL, hands them to the worker and shows two verdicts: the proof's
// ("Proof: VALID/INVALID") and the inclusion file's ("Your positions: …"). An inclusion file
// that is of another epoch, empty or unreadable never makes a valid proof INVALID, and is
// never silently ignored.
const $ = (id) => document.getElementById(id);
const worker = new Worker("worker.js", { type: "module" });
// Each slot: {bytes, name} or {problem, name} (a file that could not be had at all).
const chosen = { proof: undefined, inclusion: undefined };
let started;

/** Shows the proof's verdict, its caveat and its details (behind the "details" toggle). */
function showProof(text, valid, caveat = "", details = "") {
  $("verdict").textContent = text;
  $("verdict").className = valid ? "valid" : "invalid";
  $("caveat").textContent = caveat;
  $("details").textContent = details;
  $("more").hidden = details === "";
}

/** Shows the inclusion file's verdict (none without an inclusion file). */
function showInclusion(text = "", included = false, details = "") {
  $("inclusion-verdict").textContent = text;
  $("inclusion-verdict").className = included ? "valid" : "invalid";
  $("inclusion-details").textContent = details;
}

function start() {
  if (!chosen.proof) return;
  showProof("", false);
  showInclusion();
  if (chosen.proof.problem) {
    showProof(`Proof: INVALID: ${chosen.proof.name}: ${chosen.proof.problem}`, false);
    return;
  }
  started = performance.now();
  $("progress").textContent = "starting";
  const inclusion = chosen.inclusion?.bytes?.byteLength ? chosen.inclusion.bytes : undefined;
  worker.postMessage({ proof: chosen.proof.bytes, inclusion });
}

/** What the page says of an inclusion file it could not hand to the module. */
function inclusionProblem() {
  const file = chosen.inclusion;
  if (!file) return undefined;
  if (file.problem) return `${file.name} is unreadable: ${file.problem}`;
  if (file.bytes.byteLength === 0) return `${file.name} is empty: download it again`;
  return undefined;
}

worker.onmessage = ({ data }) => {
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  if (data.progress) {
    $("progress").textContent = `${data.progress} (${seconds} s)`;
    return;
  }
  $("progress").textContent = `done in ${seconds} s (verification ${(data.ms / 1000).toFixed(2)} s)`;
  const problem = inclusionProblem();
  if (data.failure) {
    showProof(`Proof: INVALID: the verifier stopped: ${data.failure}`, false);
  } else if (!data.verdict.valid) {
    showProof(`Proof: INVALID: ${data.verdict.error}`, false);
  } else {
    const [first, caveat, ...rest] = data.verdict.text;
    showProof(first, true, caveat.trim(), rest.join("\n"));
    if (problem) {
      showInclusion(`Your positions: not checked: ${problem}`, false);
    } else if (chosen.inclusion) {
      const [line, ...positions] = data.verdict.inclusion_text;
      showInclusion(line, data.verdict.all_included, positions.join("\n"));
    }
    return;
  }
  if (chosen.inclusion) showInclusion("Your positions: not checked, as the proof is not valid", false);
};

/** The "format" tag of a file, if it is JSON with one (a UTF-8 byte-order mark allowed). */
function formatOf(bytes) {
  try {
    const text = new TextDecoder().decode(bytes).replace(/^\uFEFF/, "");
    return JSON.parse(text).format ?? "";
  } catch {
    return undefined;
  }
}

/** A file picked in a slot's own picker goes to that slot, whatever it holds. */
async function pick(slot, files) {
  if (!files.length) return;
  chosen[slot] = { bytes: await files[0].arrayBuffer(), name: files[0].name };
  $(`${slot}-name`).textContent = files[0].name;
  start();
}

/**
 * Dropped files are sorted by their format tag; one whose tag cannot be read (cut off, not
 * JSON) is taken as the proof only while there is no proof, else as the inclusion file, so a
 * damaged inclusion file is never read as a proof the protocol made.
 */
async function drop(files) {
  const taken = await Promise.all(
    [...files].map(async (f) => ({ bytes: await f.arrayBuffer(), name: f.name })),
  );
  const unread = [];
  for (const file of taken) {
    const format = formatOf(file.bytes);
    if (format === undefined) unread.push(file);
    else put(format.startsWith("solvency-inclusion") ? "inclusion" : "proof", file);
  }
  for (const file of unread) put(chosen.proof ? "inclusion" : "proof", file);
  start();
}

function put(slot, file) {
  chosen[slot] = file;
  $(`${slot}-name`).textContent = file.name;
}

$("proof-file").onchange = (e) => pick("proof", e.target.files);
$("inclusion-file").onchange = (e) => pick("inclusion", e.target.files);
const area = $("drop");
area.ondragover = (e) => {
  e.preventDefault();
  area.classList.add("over");
};
area.ondragleave = () => area.classList.remove("over");
area.ondrop = (e) => {
  e.preventDefault();
  area.classList.remove("over");
  drop(e.dataTransfer.files);
};

/** Files named in the address: same origin only, so the page makes no outside request. */
async function fromQuery() {
  const query = new URLSearchParams(location.search);
  for (const slot of ["proof", "inclusion"]) {
    const given = query.get(slot);
    if (!given) continue;
    const url = new URL(given, location.href);
    if (url.origin !== location.origin) {
      put(slot, { name: given, problem: "it is on another origin; this page fetches its own files only" });
      continue;
    }
    try {
      const response = await fetch(url);
      if (!response.ok) {
        put(slot, { name: url.pathname, problem: `${response.status} ${response.statusText}` });
        continue;
      }
      put(slot, { bytes: await response.arrayBuffer(), name: url.pathname });
    } catch (e) {
      put(slot, { name: url.pathname, problem: String(e) });
    }
  }
  start();
}
fromQuery();

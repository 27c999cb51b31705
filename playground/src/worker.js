// The playground's Python: Pyodide in a Web Worker, so training never freezes the page.
// It loads Pyodide from ./pyodide/ and our package (its source, zipped by build.py) from this folder;
// nothing comes from another host. Messages: {id, request} in, {id, answer} out, where
// request and answer are JSON text for micrograd_beans.course.playground.Session.
import { loadPyodide } from "./pyodide/pyodide.mjs";

let session = null;

async function start() {
  const post = (stage) => self.postMessage({ progress: stage });
  post("runtime");
  const pyodide = await loadPyodide({ indexURL: new URL("./pyodide/", import.meta.url).href });
  post("package");
  const [wheel, lessons] = await Promise.all([
    fetch("./micrograd_beans.zip").then((r) => r.arrayBuffer()),
    fetch("./lessons.json").then((r) => r.text()),
  ]);
  pyodide.unpackArchive(wheel, "zip", { extractDir: "/home/pyodide/micrograd_beans_zip" });
  pyodide.globals.set("lessons_json", lessons);
  session = pyodide.runPython(`
import json, sys
sys.path.insert(0, "/home/pyodide/micrograd_beans_zip")
from micrograd_beans.course.playground import Session
Session(json.loads(lessons_json))
`);
  pyodide.globals.delete("lessons_json");
  post("ready");
}

const ready = start().catch((err) => {
  self.postMessage({ failed: String(err) });
  throw err;
});

self.onmessage = async (event) => {
  const { id, request } = event.data;
  await ready;
  const t0 = performance.now();
  const answer = session.handle(request);
  self.postMessage({ id, answer, ms: performance.now() - t0 });
};

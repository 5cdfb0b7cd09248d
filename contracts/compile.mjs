// Compiles each contract (EcoCoin.sol, ImpactRegistry.sol) with the pinned
// solc-js into build/<Contract>.json.
// The artifact is committed, so the output must be byte-identical for the
// same inputs; `--check` rebuilds in memory and fails if the committed file
// has drifted from the sources, compiler or settings.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const NODE_MODULES = join(HERE, "node_modules");
const CONTRACTS = ["EcoCoin", "ImpactRegistry"];
const artifactPath = (contract) => join(HERE, "build", `${contract}.json`);
const SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: "prague",
};

function loadSolc() {
  if (!existsSync(NODE_MODULES)) {
    fail(`${NODE_MODULES} is missing; run: npm ci --prefix contracts`);
  }
  return createRequire(import.meta.url)("solc");
}

function fail(message) {
  console.error(`compile: ${message}`);
  process.exit(1);
}

// Only package imports are allowed, and only from inside node_modules, so the
// build never depends on files outside the pinned lockfile.
function makeImportResolver(resolved) {
  return (path) => {
    if (!path.startsWith("@openzeppelin/")) {
      return { error: `unsupported import ${path}` };
    }
    const file = resolve(NODE_MODULES, path);
    if (relative(NODE_MODULES, file).startsWith(`..${sep}`) || !existsSync(file)) {
      return { error: `import not found in node_modules: ${path}` };
    }
    const contents = readFileSync(file, "utf8");
    resolved.set(path, contents);
    return { contents };
  };
}

function sortedObject(entries) {
  return Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function buildArtifact(solc, CONTRACT) {
  const SOURCE = `${CONTRACT}.sol`;
  const input = {
    language: "Solidity",
    sources: { [SOURCE]: { content: readFileSync(join(HERE, SOURCE), "utf8") } },
    settings: {
      ...SETTINGS,
      outputSelection: { [SOURCE]: { [CONTRACT]: ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
    },
  };
  const resolved = new Map();
  const output = JSON.parse(
    solc.compile(JSON.stringify(input), { import: makeImportResolver(resolved) }),
  );
  const problems = output.errors ?? [];
  for (const problem of problems) {
    console.error(problem.formattedMessage ?? problem.message);
  }
  if (problems.some((problem) => problem.severity === "error")) {
    fail("solc reported errors");
  }
  const contract = output.contracts?.[SOURCE]?.[CONTRACT];
  if (!contract) {
    fail(`solc produced no ${CONTRACT} contract`);
  }

  // Hash the input with every import inlined, so an OpenZeppelin upgrade
  // changes sourceHash just like an edit to the contract does.
  const fullInput = {
    ...input,
    sources: sortedObject([
      ...Object.entries(input.sources),
      ...[...resolved].map(([path, content]) => [path, { content }]),
    ]),
  };
  const sourceHash = createHash("sha256").update(JSON.stringify(fullInput)).digest("hex");

  const artifact = {
    contractName: CONTRACT,
    abi: contract.abi,
    bytecode: `0x${contract.evm.bytecode.object}`,
    deployedBytecode: `0x${contract.evm.deployedBytecode.object}`,
    compiler: solc.version(),
    settings: SETTINGS,
    sourceHash: `0x${sourceHash}`,
  };
  return `${JSON.stringify(artifact, null, 2)}\n`;
}

function check(fresh, ARTIFACT) {
  if (!existsSync(ARTIFACT)) {
    fail(`${ARTIFACT} does not exist; run: node contracts/compile.mjs`);
  }
  const committed = readFileSync(ARTIFACT, "utf8");
  if (committed === fresh) {
    console.log(`compile: ${relative(process.cwd(), ARTIFACT)} is up to date`);
    return;
  }
  let reason = "formatting differs";
  try {
    const before = JSON.parse(committed);
    const after = JSON.parse(fresh);
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    const changed = keys.filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
    if (changed.length > 0) {
      reason = `changed keys: ${changed.join(", ")}`;
    }
  } catch {
    reason = "committed artifact is not valid JSON";
  }
  fail(`${relative(process.cwd(), ARTIFACT)} is stale (${reason}); run: node contracts/compile.mjs`);
}

const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== "--check");
if (unknown.length > 0) {
  fail(`unknown argument(s): ${unknown.join(" ")}; usage: node contracts/compile.mjs [--check]`);
}
const solc = loadSolc();
for (const contract of CONTRACTS) {
  const fresh = buildArtifact(solc, contract);
  const artifact = artifactPath(contract);
  if (args.includes("--check")) {
    check(fresh, artifact);
  } else {
    mkdirSync(dirname(artifact), { recursive: true });
    writeFileSync(artifact, fresh);
    console.log(`compile: wrote ${relative(process.cwd(), artifact)}`);
  }
}

// Validates deploy/kubernetes/*.yaml against the Kubernetes batch/v1 schema bundled in the npm package kubernetes-models
// (offline):  cd $(mktemp -d) && npm install kubernetes-models@4.5.1 yaml@2 && cp <repo>/deploy/kubernetes/validate.mjs . &&
//             node validate.mjs <repo>/deploy/kubernetes/parse-job.yaml
// It checks types, required fields and enums; it does not reject unknown field names (the schemas allow them).
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { Job } from "kubernetes-models/batch/v1/Job";
let bad = 0;
for (const file of process.argv.slice(2)) {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    const obj = doc.toJS();
    if (obj.kind !== "Job") { console.log(`${file}: skipped kind ${obj.kind}`); continue; }
    try { new Job(obj).validate(); console.log(`${file}: ${obj.kind} ${obj.metadata.name} valid (batch/v1 schema, kubernetes-models)`); }
    catch (e) { bad++; console.log(`${file}: INVALID: ${e.message}`); }
  }
}
process.exit(bad ? 1 : 0);

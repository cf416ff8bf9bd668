// Reads a JSON array of iam-simulate Simulation objects on stdin; writes a JSON array of results
// ("Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied" | "error: ...") on stdout. One process per run.
import { runSimulation } from '@cloud-copilot/iam-simulate'

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const simulations = JSON.parse(Buffer.concat(chunks).toString('utf8'))
const out = []
for (const sim of simulations) {
  try {
    const r = await runSimulation(sim, {})
    out.push(r.resultType === 'error' ? `error: ${r.errors.message}` : r.overallResult)
  } catch (e) {
    out.push(`error: ${e && e.message}`)
  }
}
process.stdout.write(JSON.stringify(out))

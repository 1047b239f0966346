// Logs a small training loop to LayerLab through npm's "mlflow" package (2.0.7, an MLflow REST client LayerLab did not
// write), then reads it back the same way. Run by MlflowJsClientTests with MLFLOW_TRACKING_URI and
// MLFLOW_TRACKING_TOKEN; prints one line "RESULT {json}" at the end (the client itself prints every request body).
'use strict';
const MLflow = require('mlflow');

const endpoint = process.env.MLFLOW_TRACKING_URI;
const token = process.env.MLFLOW_TRACKING_TOKEN;
const client = new MLflow({ endpoint, headers: { Authorization: `Bearer ${token}` } });
const { Experiments, Runs, Metrics } = client;

(async () => {
  const { experiment_id } = await Experiments.create({ name: `js-client-${Date.now()}` });
  const { experiment } = await Experiments.get({ experiment_id });
  const started = Date.now();
  const { run } = await Runs.create({
    experiment_id, user_id: 'js', start_time: started,
    tags: [{ key: 'mlflow.source.name', value: 'train.js' }, { key: 'mlflow.user', value: 'js' }],
  });
  const run_id = run.info.run_id;
  await Runs.logParameter({ run_id, key: 'lr', value: '0.01' });
  for (let step = 0; step < 10; step++) {
    await Runs.logMetric({ run_id, key: 'loss', value: 1 / (step + 1), timestamp: started + step, step });
  }
  await Runs.logBatch({
    run_id, metrics: [{ key: 'acc', value: 0.9, timestamp: started + 9, step: 9 }], params: [], tags: [{ key: 'team', value: 'js' }],
  });
  await Runs.setTag({ run_id, key: 'stage', value: 'done' });
  await Runs.update({ run_id, status: 'FINISHED', end_time: started + 10 });
  const search = await Runs.search({ experiment_ids: [experiment_id], filter: 'metrics.loss < 0.5', max_results: 10 });
  const history = await Metrics.getHistory({ run_id, metric_key: 'loss' });
  const fetched = await Runs.get({ run_id });
  let missing = null;
  try {
    await Runs.get({ run_id: '999999999' });
  } catch (e) {
    missing = JSON.parse(String(e.message).replace(/^Error: /, ''));
  }
  console.log('RESULT ' + JSON.stringify({
    experimentName: experiment.name, runId: run_id,
    searchIds: (search.runs || []).map(r => r.info.run_id),
    history: history.metrics.map(m => [m.step, m.value]),
    status: fetched.run.info.status,
    params: fetched.run.data.params,
    missing,
  }));
})().catch(e => {
  console.error('FAILED ' + (e && e.stack || e));
  process.exit(1);
});

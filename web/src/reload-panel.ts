// The Reload button: lists the actions this user may run on the chosen
// cluster, asks for confirmation, runs one, and shows each pod's result.
import type { ActionPodResult, ActionRunResult, ActionSummary } from '../../shared/api.js';
import { ApiError, type Api } from './api.js';
import { describeError } from './status-bar.js';

export interface ReloadElements {
  button: HTMLButtonElement;
  dialog: HTMLDialogElement;
  form: HTMLFormElement;
  actions: HTMLFieldSetElement;
  clusterName: HTMLElement;
  confirm: HTMLElement;
  run: HTMLButtonElement;
  results: HTMLElement;
}

function cell(text: string, className?: string, pre = false): HTMLTableCellElement {
  const td = document.createElement('td');
  if (className) td.className = className;
  if (pre) {
    const block = document.createElement('pre');
    block.textContent = text;
    td.append(block);
  } else td.textContent = text;
  return td;
}

function resultRow(result: ActionPodResult): HTMLTableRowElement {
  const row = document.createElement('tr');
  const ok = result.exitCode === 0 && result.error === undefined;
  row.className = ok ? 'ok' : 'failed';
  const code = result.timedOut ? 'timed out' : result.exitCode === null ? (result.error ?? 'failed') : String(result.exitCode);
  const step = result.step === 'check' && !ok ? ' (check failed)' : '';
  row.append(
    cell(result.pod),
    cell(result.container),
    cell(code + step, 'code'),
    cell(`${result.durationMs} ms`),
    cell(result.stdout + (result.stdoutTruncated ? '\n[cut]' : ''), undefined, true),
    cell(
      result.stderr + (result.stderrTruncated ? '\n[cut]' : '') + (result.error && result.exitCode !== null ? `\n${result.error}` : ''),
      undefined,
      true,
    ),
  );
  return row;
}

export function renderResults(target: HTMLElement, action: string, result: ActionRunResult): void {
  const summary = document.createElement('p');
  const failed = result.results.filter((r) => r.exitCode !== 0 || r.error !== undefined).length;
  summary.className = `summary ${result.success ? 'ok' : 'failed'}`;
  summary.textContent = result.success
    ? `${action}: succeeded on all ${result.results.length} pod(s).`
    : `${action}: failed on ${failed} of ${result.results.length} pod(s).`;
  const table = document.createElement('table');
  const head = document.createElement('tr');
  for (const title of ['Pod', 'Container', 'Exit code', 'Duration', 'stdout', 'stderr']) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = title;
    head.append(th);
  }
  table.createTHead().append(head);
  table.createTBody().append(...result.results.map(resultRow));
  target.replaceChildren(summary, table);
}

export function createReloadPanel(elements: ReloadElements, api: Api, target: () => { cluster: string; namespace: string }) {
  let actions: ActionSummary[] = [];

  /** Lists what the user may run on the chosen cluster and namespace; the button says why when nothing. */
  async function refresh(): Promise<void> {
    const { cluster, namespace } = target();
    actions = [];
    elements.button.disabled = true;
    if (!cluster) {
      elements.button.title = 'Choose a cluster first';
      return;
    }
    const where = namespace ? `namespace ${namespace} of ${cluster}` : cluster;
    let listed: ActionSummary[];
    try {
      listed = (await api.actions(cluster, namespace || undefined)).items;
    } catch (error) {
      elements.button.title =
        error instanceof ApiError ? describeError(error.status, error.message) : `Cannot list the actions of ${where}`;
      return;
    }
    // The answer of an older request must not undo a newer choice.
    if (target().cluster !== cluster || target().namespace !== namespace) return;
    actions = listed;
    elements.button.disabled = actions.length === 0;
    elements.button.title = actions.length === 0 ? `No action you may run in ${where}` : `Run an action in ${where}`;
  }

  function chosen(): ActionSummary | undefined {
    const input = elements.actions.querySelector<HTMLInputElement>('input[name=action]:checked');
    return actions.find((a) => a.name === input?.value);
  }

  function describeChoice(): void {
    const action = chosen();
    const { cluster, namespace } = target();
    elements.confirm.textContent =
      action === undefined
        ? ''
        : `Runs "${action.name}" on every Running pod of ${cluster} / ${action.namespace ?? namespace}${action.selector ? ` matching ${action.selector}` : ''}.`;
  }

  elements.button.addEventListener('click', () => {
    const { cluster } = target();
    elements.clusterName.textContent = cluster;
    elements.actions.querySelectorAll('label').forEach((l) => l.remove());
    actions.forEach((action, index) => {
      const label = document.createElement('label');
      const input = document.createElement('input');
      input.type = 'radio';
      input.name = 'action';
      input.value = action.name;
      input.checked = index === 0;
      input.addEventListener('change', describeChoice);
      const text = document.createElement('span');
      text.textContent = action.description ? `${action.name}: ${action.description}` : action.name;
      label.append(input, text);
      elements.actions.append(label);
    });
    elements.results.replaceChildren();
    elements.run.disabled = false;
    describeChoice();
    elements.dialog.showModal();
  });

  elements.form.addEventListener('submit', (event) => {
    const submitter = (event as SubmitEvent).submitter as HTMLButtonElement | null;
    if (submitter?.value !== 'run') return;
    // Keep the dialog open to show the results.
    event.preventDefault();
    const action = chosen();
    if (action === undefined) return;
    const { cluster, namespace } = target();
    elements.run.disabled = true;
    const status = document.createElement('p');
    status.textContent = `Running ${action.name}…`;
    elements.results.replaceChildren(status);
    void api
      .runAction(cluster, action.name, action.namespace === undefined ? { namespace } : {})
      .then((result) => renderResults(elements.results, action.name, result))
      .catch((error: unknown) => {
        const message = error instanceof ApiError ? describeError(error.status, error.message) : String(error);
        const p = document.createElement('p');
        p.className = 'summary failed';
        p.textContent = message;
        elements.results.replaceChildren(p);
      })
      .finally(() => (elements.run.disabled = false));
  });

  return { refresh };
}

export type ReloadPanel = ReturnType<typeof createReloadPanel>;

// Files in and out of the container: a file dropped on the terminal is
// uploaded to a path the user confirms (prefilled with the container's home
// directory), "Download…" fetches a path; one dialog shows the progress, a
// cancel, and the outcome or the gateway's refusal in words.
import { ApiError } from './api.js';
import { baseName, downloadFile, homeDirectory, uploadFile, type FileTarget, type Progress, type Transfer } from './file-transfer.js';
import { listen, DisposableStore, type Disposable } from './lifecycle.js';

export interface FilesElements {
  /** Where a file may be dropped (the terminal's panel). */
  dropZone: HTMLElement;
  download: HTMLButtonElement;
  dialog: HTMLDialogElement;
  form: HTMLFormElement;
  title: HTMLElement;
  path: HTMLInputElement;
  progress: HTMLProgressElement;
  status: HTMLElement;
  start: HTMLButtonElement;
  cancel: HTMLButtonElement;
}

/** What each refusal of the files endpoint means to the user; the gateway's message follows. */
const refusalWords: Readonly<Record<number, string>> = {
  0: 'Gateway unreachable',
  400: 'Not a valid path',
  401: 'Not signed in or token expired',
  403: 'Not allowed',
  404: 'Not found',
  409: 'A directory is in the way',
  413: 'Too large',
  501: 'Not possible in this container',
};

export function describeRefusal(error: unknown): string {
  if (!(error instanceof ApiError)) return `Failed: ${String(error)}`;
  return `${refusalWords[error.status] ?? `Error ${error.status}`}: ${error.message}`;
}

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

/** A directory and a file name joined with one slash. */
export function joinPath(directory: string, name: string): string {
  return `${directory.replace(/\/+$/, '')}/${name}`;
}

export function createFilesPanel(
  elements: FilesElements,
  target: () => FileTarget | undefined,
  token: () => string | undefined,
  afterClose: () => void,
): Disposable {
  const { dialog, form, title, path, progress, status, start, cancel } = elements;
  const store = new DisposableStore();
  let mode: { kind: 'upload'; file: File } | { kind: 'download' } | undefined;
  let running: Transfer<unknown> | undefined;
  let chosen: FileTarget | undefined;
  /** The home directory per container, once known. */
  const homes = new Map<string, string>();

  function idle(label: string): void {
    running = undefined;
    start.disabled = false;
    start.textContent = label;
    cancel.textContent = 'Close';
    path.disabled = false;
  }

  function showProgress({ loaded, total }: Progress, verb: string): void {
    progress.hidden = false;
    if (total === undefined || total === 0) progress.removeAttribute('value');
    else {
      progress.max = total;
      progress.value = loaded;
    }
    const of = total === undefined ? '' : ` of ${formatBytes(total)} (${Math.floor((loaded / Math.max(total, 1)) * 100)} %)`;
    status.textContent = `${verb}… ${formatBytes(loaded)}${of}`;
    status.dataset.state = 'connecting';
  }

  function say(text: string, kind: 'ok' | 'error' | 'idle'): void {
    status.textContent = text;
    status.dataset.state = kind === 'ok' ? 'connected' : kind;
  }

  async function prefill(forFile: File | undefined, where: FileTarget): Promise<void> {
    const key = `${where.cluster}/${where.namespace}/${where.pod}/${where.container ?? ''}`;
    const fill = (directory: string) => (forFile === undefined ? `${directory.replace(/\/+$/, '')}/` : joinPath(directory, forFile.name));
    const before = fill(homes.get(key) ?? '/tmp/');
    path.value = before;
    if (homes.has(key)) return;
    const home = await homeDirectory(where, token());
    if (home === undefined) return;
    homes.set(key, home);
    // Only while the user has not typed a path of their own.
    if (path.value === before && running === undefined) path.value = fill(home);
  }

  function open(next: NonNullable<typeof mode>): void {
    if (running !== undefined) return;
    chosen = target();
    mode = next;
    progress.hidden = true;
    if (chosen === undefined) {
      title.textContent = next.kind === 'upload' ? `Upload ${next.file.name}` : 'Download a file';
      say('Choose a pod first.', 'error');
      start.disabled = true;
      if (!dialog.open) dialog.showModal();
      return;
    }
    const where = `${chosen.pod}${chosen.container ? ` / ${chosen.container}` : ''}`;
    title.textContent =
      next.kind === 'upload' ? `Upload ${next.file.name} (${formatBytes(next.file.size)}) to ${where}` : `Download from ${where}`;
    say(next.kind === 'upload' ? 'The path to write in the container:' : 'A file, or a directory (as a tar):', 'idle');
    idle(next.kind === 'upload' ? 'Upload' : 'Download');
    void prefill(next.kind === 'upload' ? next.file : undefined, chosen);
    if (!dialog.open) dialog.showModal();
    path.focus();
  }

  function run(): void {
    if (mode === undefined || chosen === undefined || running !== undefined) return;
    const where = path.value.trim();
    if (!where.startsWith('/')) {
      say('Not a valid path: give an absolute path, starting with /.', 'error');
      return;
    }
    start.disabled = true;
    path.disabled = true;
    cancel.textContent = 'Cancel';
    if (mode.kind === 'upload') {
      const file = mode.file;
      const transfer = uploadFile(chosen, where, file, token(), (p) => showProgress(p, 'Uploading'));
      running = transfer;
      showProgress({ loaded: 0, total: file.size }, 'Uploading');
      transfer.done.then(
        (result) => {
          progress.value = progress.max;
          say(`Uploaded ${formatBytes(result.bytes)} to ${result.path} (sha256 ${result.sha256.slice(0, 12)}…).`, 'ok');
          idle('Upload again');
        },
        (error: unknown) => finish(error, 'Upload'),
      );
    } else {
      const transfer = downloadFile(chosen, where, token(), (p) => showProgress(p, 'Downloading'));
      running = transfer;
      showProgress({ loaded: 0, total: undefined }, 'Downloading');
      transfer.done.then(
        ({ blob, filename }) => {
          save(blob, filename);
          say(`Downloaded ${filename} (${formatBytes(blob.size)}).`, 'ok');
          idle('Download again');
        },
        (error: unknown) => finish(error, 'Download'),
      );
    }
  }

  function finish(error: unknown, label: string): void {
    progress.hidden = true;
    if (error instanceof ApiError && error.code === 'cancelled')
      say(`Cancelled: nothing was written under ${baseName(path.value)}.`, 'idle');
    else say(describeRefusal(error), 'error');
    idle(label);
  }

  function save(blob: Blob, filename: string): void {
    const url = URL.createObjectURL(blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = filename;
    link.hidden = true;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }

  const hasFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') === true;
  store.add(
    listen(elements.dropZone, 'dragover', (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
      elements.dropZone.classList.add('dropping');
    }),
  );
  store.add(listen(elements.dropZone, 'dragleave', () => elements.dropZone.classList.remove('dropping')));
  store.add(
    listen(elements.dropZone, 'drop', (event) => {
      elements.dropZone.classList.remove('dropping');
      const file = event.dataTransfer?.files[0];
      if (file === undefined) return;
      event.preventDefault();
      open({ kind: 'upload', file });
    }),
  );
  store.add(listen(elements.download, 'click', () => open({ kind: 'download' })));
  store.add(
    listen(form, 'submit', (event) => {
      event.preventDefault();
      run();
    }),
  );
  store.add(
    listen(cancel, 'click', () => {
      if (running !== undefined) running.cancel();
      else dialog.close();
    }),
  );
  // Escape cancels a transfer under way rather than hiding it.
  store.add(
    listen(dialog, 'cancel', (event) => {
      if (running === undefined) return;
      event.preventDefault();
      running.cancel();
    }),
  );
  store.add(listen(dialog, 'close', afterClose));
  return store;
}

// The recording page (/recordings/{id}): fetches the asciicast with the
// user's token (the API checks who may watch it) and plays it with
// asciinema-player.
import * as AsciinemaPlayer from 'asciinema-player';
import 'asciinema-player/dist/bundle/asciinema-player.css';
import '../styles.css';
import { createTokenStore } from './token.js';

const words: Readonly<Record<number, string>> = {
  400: 'Not a recording id',
  401: 'Not signed in or token expired',
  403: 'Forbidden',
  404: 'Not found',
};

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`#${id} is missing from the page`);
  return found as T;
}

const status = element('recording-status');
const title = element('recording-title');

function show(text: string, state: string): void {
  status.textContent = text;
  status.dataset.state = state;
}

async function play(): Promise<void> {
  const id = decodeURIComponent(window.location.pathname.split('/').filter(Boolean).at(-1) ?? '');
  const token = createTokenStore().get();
  if (token === undefined) {
    show('Not signed in: open this page from your portal, or with #token=<jwt>.', 'error');
    return;
  }
  // Relative to the page's <base>, so a path prefix in front of the gateway is kept.
  const response = await fetch(`api/recordings/${encodeURIComponent(id)}`, { headers: { Authorization: `Bearer ${token}` } });
  if (!response.ok) {
    const body = (await response.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
    show(`${words[response.status] ?? `Error ${response.status}`}: ${body?.error?.message ?? response.statusText}`, 'error');
    return;
  }
  const cast = await response.text();
  const header = JSON.parse(cast.slice(0, cast.indexOf('\n'))) as { title?: string };
  if (header.title !== undefined) title.textContent = header.title;
  document.title = `Recording: ${header.title ?? id}`;
  AsciinemaPlayer.create({ data: cast }, element('player'), { autoPlay: true, fit: 'width', idleTimeLimit: 2 });
  show(`Recording ${id}`, 'connected');
}

play().catch((error: unknown) =>
  show(`The recording could not be played: ${error instanceof Error ? error.message : String(error)}`, 'error'),
);

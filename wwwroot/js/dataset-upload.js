// Dataset upload from the Datasets page (DatasetUpload.razor). The file never passes through the Blazor circuit:
// the browser sends it itself, as multipart form data, to POST /api/datasets with XMLHttpRequest (fetch has no
// upload progress), so a large text streams to the portal's disk and the page shows how far it got.
// The drop zone is a <button>: a click (or Enter / Space) opens the file picker, a drop chooses the dropped file.
// The signed-in cookie goes with the request (same origin); the antiforgery token header proves the request came
// from the portal's own page (the endpoint checks it for cookie uploads, see DatasetEndpoints.UploadAsync).

const zones = new WeakMap();

function choose(zone, file) {
  const state = zones.get(zone);
  if (!state || !file) return;
  state.file = file;
  state.dotnet.invokeMethodAsync('OnFileChosen', file.name, file.size);
}

/** Wires the drop zone and its file input; chosen files are reported to dotnet.OnFileChosen(name, size). */
export function attach(zone, input, dotnet) {
  const state = { file: null, dotnet, input };
  const stop = (e) => { e.preventDefault(); e.stopPropagation(); };
  state.handlers = {
    click: () => input.click(),
    change: () => choose(zone, input.files && input.files[0]),
    dragenter: (e) => { stop(e); zone.classList.add('dataset-drop-over'); },
    dragover: (e) => { stop(e); e.dataTransfer.dropEffect = 'copy'; zone.classList.add('dataset-drop-over'); },
    dragleave: (e) => { stop(e); zone.classList.remove('dataset-drop-over'); },
    drop: (e) => {
      stop(e);
      zone.classList.remove('dataset-drop-over');
      choose(zone, e.dataTransfer.files && e.dataTransfer.files[0]);
    },
  };
  zones.set(zone, state);
  zone.addEventListener('click', state.handlers.click);
  input.addEventListener('change', state.handlers.change);
  for (const name of ['dragenter', 'dragover', 'dragleave', 'drop']) zone.addEventListener(name, state.handlers[name]);
}

export function detach(zone) {
  const state = zones.get(zone);
  if (!state) return;
  zone.removeEventListener('click', state.handlers.click);
  state.input.removeEventListener('change', state.handlers.change);
  for (const name of ['dragenter', 'dragover', 'dragleave', 'drop']) zone.removeEventListener(name, state.handlers[name]);
  zones.delete(zone);
}

/** The signed-in layout renders an antiforgery field (sign-out form): the fallback when the page had no token. */
function pageToken() {
  const field = document.querySelector('input[name="__RequestVerificationToken"]');
  return field ? field.value : '';
}

/**
 * Sends the chosen file with its fields. Progress goes to dotnet.OnUploadProgress(sent, total) at most every 100 ms
 * (and once at the end). Resolves to { status, body } (status 0: the connection failed).
 */
export function upload(zone, fields, token) {
  const state = zones.get(zone);
  if (!state || !state.file) return Promise.resolve({ status: -1, body: '' });
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.append(key, value ?? '');
  form.append('file', state.file, state.file.name);
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    let last = 0;
    xhr.upload.addEventListener('progress', (e) => {
      const now = performance.now();
      if (!e.lengthComputable || (now - last < 100 && e.loaded < e.total)) return;
      last = now;
      state.dotnet.invokeMethodAsync('OnUploadProgress', e.loaded, e.total);
    });
    xhr.addEventListener('load', () => resolve({ status: xhr.status, body: xhr.responseText }));
    xhr.addEventListener('error', () => resolve({ status: 0, body: '' }));
    xhr.addEventListener('abort', () => resolve({ status: 0, body: '' }));
    xhr.open('POST', '/api/datasets');
    xhr.setRequestHeader('RequestVerificationToken', token || pageToken());
    xhr.send(form);
  });
}

/** Forgets the chosen file (after a successful upload) and clears the input, so the same file can be chosen again. */
export function reset(zone) {
  const state = zones.get(zone);
  if (!state) return;
  state.file = null;
  state.input.value = '';
}

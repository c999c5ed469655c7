// Job uploads with progress: fetch() cannot report how much of a request body has been sent,
// XMLHttpRequest can. The shared client's postForm is given XHR here, and answers a Response
// as fetch would, so its error handling stays the client's.
import { ApiClient, type PostFormOptions } from '../../../../client/browser/api.js';

export class XhrApiClient extends ApiClient {
  protected override postForm(url: string, form: FormData, opts: PostFormOptions): Promise<Response> {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', url);
      for (const [k, v] of Object.entries(opts.headers)) xhr.setRequestHeader(k, v);
      xhr.upload.addEventListener('progress', (e) => opts.onProgress?.(e.loaded));
      xhr.addEventListener('load', () => {
        resolve(new Response(xhr.responseText, { status: xhr.status, statusText: xhr.statusText, headers: { 'content-type': xhr.getResponseHeader('content-type') ?? 'text/plain' } }));
      });
      xhr.addEventListener('error', () => reject(new TypeError('the connection failed')));
      xhr.addEventListener('abort', () => reject(new DOMException('the upload was stopped', 'AbortError')));
      opts.signal?.addEventListener('abort', () => xhr.abort());
      xhr.send(form);
    });
  }
}

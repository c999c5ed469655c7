// A docker-archive (what `docker save` writes) as an OCI image layout in a tar, which podman,
// skopeo, Apptainer and Charliecloud's ch-convert read. Both carry the same uncompressed layer
// tars and the same image config: a layer's OCI digest is its sha256, which is the config's
// rootfs.diff_ids entry for it (checked here, so a corrupt archive fails the export). Works on
// disk, one file at a time: unpack the archive, move each layer to blobs/sha256/<digest>, add
// the config, manifest and index, tar the layout.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, lstat, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { runTool } from '../../common/run-tool.js';

const MEDIA = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar',
} as const;

interface SavedImage {
  Config: string;
  Layers: string[];
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return `sha256:${hash.digest('hex')}`;
}

const sha256 = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Writes `out`, the OCI layout tar of the docker-archive `archive`; `work` is an empty scratch folder; `ref` names the image in the index. */
export async function ociFromDockerArchive(archive: string, out: string, work: string, ref: string): Promise<void> {
  const src = join(work, 'docker');
  const layout = join(work, 'oci');
  const blobs = join(layout, 'blobs', 'sha256');
  await mkdir(src);
  await mkdir(blobs, { recursive: true });
  await runTool('tar', ['-x', '-f', archive, '-C', src]);

  const [saved] = JSON.parse(await readFile(join(src, 'manifest.json'), 'utf8')) as SavedImage[];
  const configBytes = await readFile(join(src, saved.Config));
  const diffIds = (JSON.parse(configBytes.toString('utf8')) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids;
  if (diffIds.length !== saved.Layers.length) throw new Error(`the docker-archive lists ${saved.Layers.length} layers, its config ${diffIds.length}`);

  const layers = [];
  const placed = new Set<string>();
  for (const [i, path] of saved.Layers.entries()) {
    const file = join(src, path);
    const digest = await sha256File(file);
    if (digest !== diffIds[i]) throw new Error(`layer ${i + 1} of the docker-archive is ${digest}, its config says ${diffIds[i]}`);
    const { size } = await stat(file);
    if (!placed.has(digest)) {
      const blob = join(blobs, digest.slice('sha256:'.length));
      // docker save links a layer that repeats to its first copy: copy through the link, move the rest.
      if ((await lstat(file)).isSymbolicLink()) await copyFile(file, blob);
      else await rename(file, blob);
      placed.add(digest);
    }
    layers.push({ mediaType: MEDIA.layer, digest, size });
  }

  const put = async (bytes: Buffer) => {
    const digest = sha256(bytes);
    await writeFile(join(blobs, digest.slice('sha256:'.length)), bytes);
    return { digest, size: bytes.length };
  };
  const config = await put(configBytes);
  const manifest = await put(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.manifest, config: { mediaType: MEDIA.config, ...config }, layers })));
  const index = {
    schemaVersion: 2,
    mediaType: MEDIA.index,
    manifests: [{ mediaType: MEDIA.manifest, ...manifest, annotations: { 'org.opencontainers.image.ref.name': ref, 'io.containerd.image.name': ref } }],
  };
  await writeFile(join(layout, 'index.json'), JSON.stringify(index));
  await writeFile(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await runTool('tar', ['-c', '-f', out, '-C', layout, 'oci-layout', 'index.json', 'blobs']);
}

import { resolve } from 'node:path';
import { parse, client, UsageError, CONNECTION_HELP, CONNECTION_OPTIONS, type Command } from '../lib/command.js';
import { EXIT } from '../lib/exit-codes.js';
import type { ImageFormat } from '../../client/index.js';

/** Each format's file name ending, as the server names the download. */
const SUFFIX: Record<ImageFormat, string> = { 'docker-archive': '.docker.tar', oci: '.oci.tar', squashfs: '.sqfs' };
const FORMATS = Object.keys(SUFFIX) as ImageFormat[];

export const exportImage: Command = {
  name: 'export',
  summary: "save a version's image to run it offline (docker, podman, Charliecloud, Apptainer)",
  help: `usage: allgo export APP VERSION --format FORMAT [-o FILE]

Saves the version's image as a file, for an HPC cluster or a machine without allgo, and prints
its path. The server builds each format once per version, so the first export can take a while.

  --format FORMAT  docker-archive: for "docker load -i FILE" or "podman load -i FILE"
                   oci: an OCI image layout tar, for podman, skopeo, "apptainer build x.sif
                        oci-archive://FILE" or "ch-convert FILE DIR"
                   squashfs: the image's root file system, for "ch-run FILE -- CMD" or
                        "apptainer exec FILE CMD"
  -o, --out FILE   where to save it (default: APP-VERSION.docker.tar, .oci.tar or .sqfs here)
${CONNECTION_HELP}`,

  async run(args) {
    const parsed = parse(this, args, { ...CONNECTION_OPTIONS, format: { type: 'string' }, out: { type: 'string', short: 'o' } }, { min: 2, max: 2, names: 'the app and the version' });
    if (!parsed) return EXIT.ok;
    const { values, positionals } = parsed;
    const format = values.format as ImageFormat | undefined;
    if (!format || !FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
    const [app, version] = positionals;
    const path = resolve(values.out ?? `${app}-${version.replace(/[^A-Za-z0-9._-]/g, '_')}${SUFFIX[format]}`);
    const size = await client(values).exportImage(app, version, format, path);
    process.stderr.write(`saved ${format} of ${app} ${version} (${(size / 1024 / 1024).toFixed(1)} MB)\n`);
    process.stdout.write(`${path}\n`);
    return EXIT.ok;
  },
};

// The OCI distribution reference grammar (github.com/distribution/reference, regexp.go) for the three
// parts slipway puts together into a container image: the name (repository), the tag and the digest.
// One module so that the values checks, slipway.yaml's schema and the chart refuse the same inputs:
//
//   name      := [domain '/'] path-component ('/' path-component)*     at most 255 characters
//                (domain only when the first part has "." or ":" or is localhost, as docker reads it)
//   domain    := host [':' port]
//   path-comp := [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)*
//   tag       := [\w][\w.-]{0,127}
//   digest    := algorithm ':' encoded   (sha256: 64 lower-case hex digits, sha512: 128)

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const PATH = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const DOMAIN_ONLY = new RegExp(`^${DOMAIN}$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const DIGEST_HEX: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

export const NAME_MAX = 255;

/** The hints of the three problems, for errors that point at a file or a flag. */
export const IMAGE_HINTS = {
  name: 'An image name is lower-case path components separated by "/", optionally after a registry host, e.g. ghcr.io/org/service.',
  tag: 'A tag is at most 128 letters, digits, "_", "." and "-", not starting with "." or "-", e.g. v1.4.2 or sha-4e1c9a7.',
  digest:
    'A digest is sha256: followed by 64 lower-case hex digits, as `docker inspect` or the registry reports it.',
} as const;

const quote = (s: string) => JSON.stringify(s);

export function imageNameProblem(name: string): string | undefined {
  if (name.length > NAME_MAX) return `image name is ${name.length} characters, more than ${NAME_MAX}`;
  // As docker normalizes a name: the first component is a registry host only when it has a "." or
  // ":" or is localhost (so `Org/svc` is an upper-case path, not a host called Org).
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const isHost = first !== '' && (/[.:]/.test(first) || first === 'localhost');
  const ok = isHost ? DOMAIN_ONLY.test(first) && PATH.test(name.slice(slash + 1)) : PATH.test(name);
  if (!ok) {
    if (/[@:]/.test(name.split('/').at(-1) ?? ''))
      return `image name ${quote(name)} carries a tag or digest; give those as image.tag and image.digest`;
    return `${quote(name)} is not a valid image name`;
  }
  return undefined;
}

export function imageTagProblem(tag: string): string | undefined {
  if (tag.length > 128) return `image tag is ${tag.length} characters, more than 128`;
  if (!TAG.test(tag)) return `${quote(tag)} is not a valid image tag`;
  return undefined;
}

export function imageDigestProblem(digest: string): string | undefined {
  if (!DIGEST.test(digest)) return `${quote(digest)} is not an image digest`;
  const [algorithm, hex] = digest.split(':') as [string, string];
  const length = DIGEST_HEX[algorithm];
  if (length !== undefined && !new RegExp(`^[a-f0-9]{${length}}$`).test(hex))
    return `${quote(digest)} is not an image digest: ${algorithm} takes ${length} lower-case hex digits`;
  return undefined;
}

/** `name[:tag][@digest]`, refusing any part the grammar does not allow (first problem wins). */
export function buildImageReference(
  name: string,
  tag = '',
  digest = '',
): { ref: string; problem?: undefined } | { problem: { part: 'name' | 'tag' | 'digest'; message: string } } {
  const n = imageNameProblem(name);
  if (n) return { problem: { part: 'name', message: n } };
  if (digest) {
    const d = imageDigestProblem(digest);
    if (d) return { problem: { part: 'digest', message: d } };
  }
  if (tag) {
    const t = imageTagProblem(tag);
    if (t) return { problem: { part: 'tag', message: t } };
  }
  return { ref: digest ? `${name}@${digest}` : tag ? `${name}:${tag}` : name };
}

/** A whole reference as written for a hook's image: `name[:tag][@digest]`. */
export function imageReferenceProblem(ref: string): string | undefined {
  const at = ref.indexOf('@');
  const digest = at >= 0 ? ref.slice(at + 1) : '';
  const rest = at >= 0 ? ref.slice(0, at) : ref;
  const colon = rest.lastIndexOf(':');
  const hasTag = colon > rest.lastIndexOf('/');
  const built = buildImageReference(
    hasTag ? rest.slice(0, colon) : rest,
    hasTag ? rest.slice(colon + 1) : '',
    digest,
  );
  if (built.problem) return built.problem.message;
  if ((hasTag && colon === rest.length - 1) || (at >= 0 && digest === ''))
    return `${quote(ref)} ends in an empty tag or digest`;
  return undefined;
}

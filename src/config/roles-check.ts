// The members of environments[].roles must be someone slipway knows: a person (a key of `people:` or
// a person's email), a group of a person (`people.<name>.groups`), or `*` for everyone. A name that is
// none of these grants nothing (a typo such as `release-manager` silently locks everybody out), so it
// is a load error with "did you mean", naming the file and line.
import { configError, type SlipwayError } from '../shared/errors.ts';
import { suggest } from './model.ts';
import type { Platform } from './schema.ts';
import { locationOf, type YamlFile } from './yaml-source.ts';

export function checkRoleMembers(file: YamlFile, p: Platform): SlipwayError[] {
  const people = p.people ?? {};
  const persons = Object.keys(people);
  const emails = Object.values(people).flatMap((x) => (x.email ? [x.email.toLowerCase()] : []));
  const groups = [...new Set(Object.values(people).flatMap((x) => x.groups ?? []))];
  const known = new Set([...persons, ...groups]);
  const errors: SlipwayError[] = [];
  p.environments.forEach((env, i) => {
    for (const [role, members] of Object.entries(env.roles ?? {})) {
      (members ?? []).forEach((m, j) => {
        if (m === '*' || known.has(m) || emails.includes(m.toLowerCase())) return;
        const guess = suggest(m, [...groups, ...persons]);
        errors.push(
          configError(
            `unknown ${role} "${m}" in environment ${env.name}: neither a person nor a group${guess ? ` — did you mean "${guess}"?` : ''}`,
            locationOf(file, ['environments', i, 'roles', role, j]),
            {
              hint:
                persons.length > 0
                  ? `Name a key of people:, a group listed under people.<name>.groups (${groups.join(', ') || 'none yet'}), or '*'.`
                  : "Declare the people under people: (with their groups) in slipway.yaml, or use '*'.",
            },
          ),
        );
      });
    }
  });
  return errors;
}

// The value flags shared by every command that renders (values, render, deploy, diff): one
// definition, so they read and behave the same everywhere.
import type { Command, OptionValues } from '@commander-js/extra-typings';
import type { ValueOverrides } from '../config/values.ts';

/** Commander's collector for repeatable options. */
export const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function withValueFlags<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  command: Command<A, O, G>,
) {
  return command
    .option('--set <key=value>', 'set a value (Helm strvals syntax; repeatable)', collect, [])
    .option('--set-string <key=value>', 'set a value, always as a string (repeatable)', collect, [])
    .option('--set-json <key=json>', 'set a value from JSON (repeatable)', collect, [])
    .option('--set-file <key=path>', "set a value to a file's content (repeatable)", collect, [])
    .option('--set-literal <key=value>', 'set a value verbatim, commas and all (repeatable)', collect, [])
    .option('--image-tag <tag>', 'image tag (overrides everything else)')
    .option('--digest <digest>', 'image digest sha256:… (overrides everything else)');
}

export interface ValueFlagOptions {
  set: string[];
  setString: string[];
  setJson: string[];
  setFile: string[];
  setLiteral: string[];
  imageTag?: string | undefined;
  digest?: string | undefined;
}

export function overridesFrom(o: ValueFlagOptions): ValueOverrides {
  return {
    set: o.set,
    setString: o.setString,
    setJson: o.setJson,
    setFile: o.setFile,
    setLiteral: o.setLiteral,
    ...(o.imageTag === undefined ? {} : { imageTag: o.imageTag }),
    ...(o.digest === undefined ? {} : { digest: o.digest }),
  };
}

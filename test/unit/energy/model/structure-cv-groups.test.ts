// Groups for leave-group-out cross-validation: the framework column by default when it holds two or more values,
// none on request, and a named column that cannot group the records refused with a code naming the flag.
import { describe, expect, it } from 'vitest';
import { cvGroupsOf } from '../../../../src/energy/model/structure-cv-groups.js';

const rows = (frameworks: (string | undefined)[]): object[] => frameworks.map((framework, i) => ({ model: `m${i % 2}`, framework }));

describe('cvGroupsOf', () => {
  it('groups by framework by default when the records hold two or more', () => {
    const g = cvGroupsOf(rows(['vLLM', 'TensorRT-LLM', 'vLLM']))!;
    expect(g.column).toBe('framework');
    expect(g.names).toEqual(['TensorRT-LLM', 'vLLM']);
    expect(Array.from(g.ids)).toEqual([1, 0, 1]);
  });

  it('has no default groups with one framework, none, or a record without one', () => {
    expect(cvGroupsOf(rows(['vLLM', 'vLLM']))).toBeNull();
    expect(cvGroupsOf(rows([undefined, undefined]))).toBeNull();
    expect(cvGroupsOf(rows(['vLLM', undefined, 'TensorRT-LLM']))).toBeNull();
    expect(cvGroupsOf(rows(['vLLM', 'TensorRT-LLM']), 'none')).toBeNull();
  });

  it('groups by a named column', () => {
    expect(cvGroupsOf(rows(['a', 'a', 'a', 'a']), 'model')!.names).toEqual(['m0', 'm1']);
  });

  it('refuses a named column that no record fills or that holds one value', () => {
    expect(() => cvGroupsOf(rows(['vLLM']), 'hardware')).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringMatching(/--cv-groups hardware: no record has a "hardware" value/) }));
    expect(() => cvGroupsOf(rows(['vLLM', 'vLLM']), 'framework')).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringMatching(/one value of "framework" \("vLLM"\).*--cv-groups none/) }));
  });
});

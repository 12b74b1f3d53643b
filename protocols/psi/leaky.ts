/**
 * TEST-ONLY leaky control of the view test (test/psi-view.test.ts): the real protocol of
 * ecdh-psi.ts with the owners' secret shuffle switched off, so the counter sees every set in
 * row order. Not exported from src/index.ts and not reachable from the CLI.
 */
import type { Session } from '../../src/session/session.js';
import { psiVariant, type PsiOptions, type PsiResult } from './ecdh-psi.js';

/** The PSI with each party's rows sent in file order (leaks row positions to the counter). */
export function psiUnshuffled(s: Session, ids: readonly string[], o: PsiOptions): Promise<PsiResult> {
  return psiVariant(s, ids, o, 'unshuffled');
}

import { describe, expect, it } from 'vitest';
import { factSetAgreement } from './experiment.js';
import { exactEntailment, parseAnswer, scoreAnswer, splitAnswerSentences } from './facts.js';
import type { FactSet } from './world.js';

const truth: FactSet = {
  name: 'Mira Kolat',
  birthCity: 'Oslo',
  birthYear: '1957',
  job: 'baker',
  homeCity: 'Lima',
  hobby: 'chess',
};

describe('splitAnswerSentences', () => {
  it('ends sentences at a period followed by whitespace, keeps a cut-off tail', () => {
    expect(splitAnswerSentences('A b. C d.\nE')).toEqual(['A b.', 'C d.', 'E']);
    expect(splitAnswerSentences('  One.   Two.  ')).toEqual(['One.', 'Two.']);
    expect(splitAnswerSentences('')).toEqual([]);
    expect(splitAnswerSentences('born in 19.5 here.')).toEqual(['born in 19.5 here.']);
  });
});

describe('parseAnswer', () => {
  it('reads both openings and every body wording', () => {
    const p = parseAnswer(
      'Mira Kolat was born in 1957 in Oslo. By trade they are a baker. Today they live in Lima. In their free time they enjoy chess.',
    );
    expect(p.claims).toEqual([
      { attribute: 'birthYear', value: '1957' },
      { attribute: 'birthCity', value: 'Oslo' },
      { attribute: 'job', value: 'baker' },
      { attribute: 'homeCity', value: 'Lima' },
      { attribute: 'hobby', value: 'chess' },
    ]);
    expect(p.subjects).toEqual(['Mira Kolat']);
    expect(p.unparsed).toEqual([]);
    expect(
      parseAnswer('X Y was born in Oslo in 1957. They work as a baker. They live in Lima. They enjoy chess.')
        .claims,
    ).toHaveLength(5);
  });

  it('keeps sentences that follow no template apart', () => {
    const p = parseAnswer('They enjoy chess. They wive in Lima. They work as a');
    expect(p.claims).toEqual([{ attribute: 'hobby', value: 'chess' }]);
    expect(p.unparsed).toEqual(['They wive in Lima.', 'They work as a']);
  });
});

describe('scoreAnswer (hand-derived)', () => {
  it('gives 1 to a fully true answer', () => {
    const a = scoreAnswer(
      'Mira Kolat was born in Oslo in 1957. They work as a baker. They live in Lima. They enjoy chess.',
      truth,
    );
    expect(a).toMatchObject({ statements: 5, supported: 5, factuality: 1, subjectMatches: true });
  });

  it('counts a wrong year as one false claim: 4 / 5', () => {
    const a = scoreAnswer(
      'Mira Kolat was born in Oslo in 1961. They work as a baker. They live in Lima. They enjoy chess.',
      truth,
    );
    expect(a.factuality).toBe(4 / 5);
    expect(a.claims.filter((c) => !c.true)).toEqual([{ attribute: 'birthYear', value: '1961', true: false }]);
  });

  it('counts a garbled sentence as one unsupported statement: 3 / 5', () => {
    // Opening (2 true), job (true), "They wive in Lima." unparsed, hobby false: 3 of 5.
    const a = scoreAnswer(
      'Mira Kolat was born in Oslo in 1957. They work as a baker. They wive in Lima. They enjoy tennis.',
      truth,
    );
    expect(a.statements).toBe(5);
    expect(a.supported).toBe(3);
    expect(a.factuality).toBe(3 / 5);
  });

  it('counts repeated and misspelt values, ignores omissions and the subject name', () => {
    // home Lima (true) twice, hobby "chesss" (false): 2 of 3; a wrong subject name is not a claim.
    const a = scoreAnswer('Today they live in Lima. They live in Lima. They enjoy chesss.', truth);
    expect(a.factuality).toBe(2 / 3);
    const b = scoreAnswer('Mira Kolot was born in Oslo in 1957.', truth);
    expect(b.factuality).toBe(1);
    expect(b.subjectMatches).toBe(false);
  });

  it('gives 0 to an answer that states nothing', () => {
    expect(scoreAnswer('', truth)).toMatchObject({ statements: 0, factuality: 0 });
    expect(scoreAnswer('qqq', truth)).toMatchObject({ statements: 1, supported: 0, factuality: 0 });
  });
});

describe('exactEntailment', () => {
  const premise = 'Mira Kolat was born in Oslo in 1957. They enjoy chess.';
  it('is 1 exactly when every hypothesis claim is stated by the premise', () => {
    expect(exactEntailment(premise, 'They enjoy chess.')).toBe(1);
    expect(exactEntailment(premise, 'X was born in 1957 in Oslo.')).toBe(1);
    expect(exactEntailment(premise, 'They enjoy tennis.')).toBe(0);
    expect(exactEntailment(premise, 'They enjoy chess. They live in Lima.')).toBe(0);
    expect(exactEntailment(premise, 'They enjoy chess. Gibberish')).toBe(0);
    expect(exactEntailment(premise, '')).toBe(0);
    expect(exactEntailment('They enjoy chess.', premise)).toBe(0);
  });
});

describe('factSetAgreement', () => {
  it('compares claim sets regardless of order and wording', () => {
    expect(
      factSetAgreement([
        'They enjoy chess. They live in Oslo.',
        'Today they live in Oslo. In their free time they enjoy chess.',
        'They enjoy tennis.',
      ]),
    ).toEqual({ distinct: 2, modalShare: 2 / 3 });
  });

  it('makes every answer with an unreadable sentence its own set', () => {
    expect(factSetAgreement(['zz', 'zz', 'They enjoy chess.', 'They enjoy chess. zz'])).toEqual({
      distinct: 4,
      modalShare: 1 / 4,
    });
  });
});

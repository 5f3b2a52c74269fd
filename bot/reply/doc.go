// Package reply reads the free-text status replies that special attendants
// (专班联络员) send about a task's milestones, in Chinese or English, and
// turns them into milestone reports. It is pure: no Telegram, no database, no
// clock. Its one promise is that it never guesses: a reply is either
// understood with confidence, or the result names exactly what is missing or
// contradictory so that the bot can ask back with buttons.
//
// # Normalisation
//
// Before matching, full-width ASCII (８０％, Ｍ２, ：, ，, ；) is folded to
// half-width, the ideographic space to a space, and Latin letters to lower
// case. Matching works on the folded runes but every note is cut out of the
// original text by byte offsets, so a note is always a substring of the
// reply, full-width characters and all.
//
// # Grammar
//
// A reply is a sequence of items. An item is
//
//	item  = [ref] head* [note]
//	head  = state | percent
//
// separated from each other by blanks and the connectors : ; , 、 。 . ! ? / | ~ …
// and dashes (full-width forms included).
//
// A ref names a milestone:
//
//   - strong: M2, #2, milestone 2, 节点2, 里程碑2, 第2个节点, 第二节点,
//     2号节点, 二号里程碑 (Chinese numerals 零〇一二…十百 up to 999);
//   - weak: 第2个, 第2项;
//   - bare: an Arabic number standing alone (2, 2:, 2、) or glued to a state
//     word or percent (2完成, 2完成80%). A number glued to other text (3家,
//     3月) is not a ref. Chinese numerals are never bare refs: 一 is far too
//     common in ordinary text.
//
// A percent is an integer 0–100 written 80%, 80 %, ８０％ or 百分之八十 /
// 百分之80. Chinese "completion" verbs directly before a percent belong to
// it: 完成80%, 已完成 80%, 完成度80%, 进度：80%, progress 80% all read as
// 80%, never as the state done, because that is what 完成80% means.
// Decimals (80.5%), negatives (-5%) and values over 100 are BadPercent, not
// rounded or clamped. A percent at the very start of an item is a percent,
// not a ref ("80 %" has no milestone).
//
// A state is one word or phrase from a fixed list, case-insensitive, with
// English multi-word phrases accepting spaces, hyphens, underscores or
// nothing between words (on track, on-track, on_track, ontrack):
//
//	done      done complete completed finished 完成 完工 办结 竣工
//	on_track  on track, ok, okay, normal, progressing, in progress, 正常,
//	          正常推进, 推进中, 进行中, 顺利, 顺利推进, 进展顺利 …
//	at_risk   at risk, risk, risky, delayed, delay, behind, 有风险, 风险,
//	          滞后, 延迟, 延期 …
//	blocked   blocked, stuck, 受阻, 阻塞, 卡住, 需协调, 停滞 …
//	pending   pending, not started, 未开始, 未启动 …
//
// Chinese done/at_risk/blocked words also take 已 or 已经 in front (已完成,
// 已滞后). A state word only counts as a whole token: it must be followed by
// the end, a blank or punctuation. 完成招商对接 is therefore not the state
// done followed by a note but a note, because 完成 there is a verb whose
// object may well be the milestone's title; 未完成 and not ok never match
// because words are only looked for where a token starts.
//
// State words and percents are only recognised in the head, before the note
// starts; the rest of the item, trimmed of blanks and of separators at its
// ends, is its note, kept exactly as written. A word like "risk" inside a
// note is not a report.
//
// # Items and where they end
//
// Several milestones can be reported in one reply: "1 完成 2 60%",
// "M1 done; M3 80% 等待验收", or one per line. A new item starts
//
//   - in the head of an item, at any ref — except a bare number directly
//     after the item's own ref, which is AmbiguousNumber (see below);
//   - inside a note, at a ref at the start of a line;
//   - inside a note, at a ref after a blank or a separator (; , 。 ! ?) when
//     the ref is directly followed by a state word or a percent. So
//     "2 80% 完成招商对接 3 done" is two items while "2 80% 已与 3 家企业签约"
//     is one.
//
// # Reading a percent without a state
//
// A percent below 100 with no state word is on_track; 100% is done. A state
// word with no percent leaves Percent nil. A done word directly after a
// percent below 100 ("2 80% 完成", "2 80% done") starts the note instead of
// being a state: the attendant is saying "80% complete". Contradictions are
// ConflictingState: two different state words, two different percents, done
// with a percent other than 100 ("2 done 80%"), at_risk, blocked or on_track
// with 100%, and pending with anything but 0%.
//
// # Never guess
//
// Parse returns a Result whose Items are the items understood with
// confidence and whose Problem, when not nil, is the first item (in reading
// order) that is not, with the item as far as it was understood, so that
// the bot can ask one precise question and then complete the item:
//
//   - Empty: nothing but blanks and punctuation. TooLong: over MaxRunes runes.
//   - NeedMilestone: no ref and several open milestones (Candidates are the
//     open ones), or no ref in a reply of several items. A reply without a
//     ref for the only open milestone is not a guess and is accepted.
//     NoOpenMilestone: no ref and no open milestone left.
//   - AmbiguousNumber: a number that may be a percent without its % sign.
//     Either a bare number right after the ref ("2 80 完成": Milestone 2,
//     Number 80, Candidates [2]), or a leading bare number that is no
//     milestone of the task, at most 100, in an item with no percent and not
//     done ("80" with milestones 1–3: Milestone 0, Number 80, Candidates the
//     open milestones).
//   - UnknownMilestone: a ref that is not one of AllMilestones.
//     MilestoneDone: a ref to a milestone that is no longer open.
//   - BadPercent: a decimal, negative or over-100 percent.
//   - ConflictingState: see above.
//   - DuplicateMilestone: the same milestone in two items; every item about
//     it is left out of Items.
//   - NeedState: an item with neither a state nor a percent ("2 收到"); the
//     note is kept in Problem.Item.
//
// Within one item, problems about what was written (BadPercent,
// ConflictingState, in reading order) come before problems about which
// milestone is meant, which come before AmbiguousNumber after a ref and
// NeedState. Problem.Others counts the later items that also need a
// question: they are neither in Items nor in Problem, and the reply should
// be asked again rather than half saved.
//
// Not supported on purpose: 八成 ("80%", but also "probably"), 2号 alone (a
// date as often as a milestone), ranges (1-3 完成) and state words after
// the note. They fall into notes, and an item without a state is asked
// about rather than guessed.
package reply

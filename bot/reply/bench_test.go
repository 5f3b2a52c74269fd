package reply

import "testing"

// replyMix is a plausible day of replies: mostly one item, some several,
// some that need a question, in both languages.
var replyMix = []string{
	"2 80% 完成招商对接",
	"节点2 已完成",
	"第2个节点 受阻 等待用地审批",
	"M3 done",
	"1 完成 2 60%",
	"收到",
	"2 收到，正在推进",
	"80%",
	"第三个节点 有风险 拆迁进度滞后，需区里协调",
	"1 完成；2 60% 招商对接中；3 未开始",
	"M2 on track 70% land acquisition signed, waiting for permits",
	"２ ８０％ 完成招商对接，签约３家",
	"3 进度：45% 滞后 因雨停工三天",
	"2 done 80%",
	"1 完成\n2 正常推进中\n3 受阻 等待用地审批，已报区政府协调",
	"已完成80%，预计月底前全部完成",
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		Parse(replyMix[i%len(replyMix)], ctx3)
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "replies/s")
}

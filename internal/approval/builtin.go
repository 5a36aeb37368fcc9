package approval

import "kitei/internal/authz"

// Built-in type keys.
const (
	TypeException    = "exception"      // 例外措置
	TypeTakeOut      = "take_out"       // 情報の持出し
	TypeMediaTakeOut = "media_take_out" // 外部電磁的記録媒体の持出し
	TypeC3Provision  = "c3_provision"   // 機密性3 情報の提供
	TypeOutsideArea  = "outside_area"   // 要管理対策区域外での端末利用
	TypeOwnDevice    = "own_device"     // 支給以外の端末の利用
	TypeCloud        = "cloud"          // クラウドサービス利用
	// TypeRiskAcceptance keeps a residual risk above the threshold: the
	// CISO decides (internal/risk files it and records the decision).
	TypeRiskAcceptance = "risk_acceptance" // リスクの受容
)

func title(help string) Field {
	return Field{Key: "title", Type: KindTitle, Required: true, Label: "件名", LabelEn: "Subject", Help: help}
}

func applicant() Field {
	return Field{Key: "applicant", Type: KindApplicant, Label: "申請者（氏名・所属）", LabelEn: "Applicant (name, unit)"}
}

func contact() Field {
	return Field{Key: "contact", Type: KindText, Required: true, Label: "連絡先", LabelEn: "Contact (phone or e-mail)"}
}

func period(required bool) Field {
	return Field{Key: "period", Type: KindPeriod, Required: required, Label: "期間", LabelEn: "Period"}
}

// target is an optional pointer at an entry of the registers.
func target(label, en string) Field {
	return Field{Key: "target", Type: KindTarget, Label: label, LabelEn: en,
		Help: "台帳の ID（例: SYS-001）又は system:番号・asset:番号・service:番号"}
}

func text(key, label, en string, required bool) Field {
	return Field{Key: key, Type: KindText, Required: required, Label: label, LabelEn: en}
}

func area(key, label, en string, required bool) Field {
	return Field{Key: key, Type: KindTextarea, Required: required, Label: label, LabelEn: en}
}

func level(label, en string, options ...string) Field {
	return Field{Key: "level", Type: KindLevel, Required: true, Label: label, LabelEn: en, Options: options}
}

// Builtin returns the request types a new organisation starts with. They
// are stored on first start and may then be edited by the security office;
// later starts never overwrite an edited type.
func Builtin() []Type {
	return []Type{
		{
			Key: TypeException, Name: "例外措置", NameEn: "Exception to a rule",
			Basis:       "000 2.2.2 / 001 第24条・第25条 / 002 1.2.1.3",
			DeciderRole: authz.RoleDivisionISO, DeciderFrom: FromUnit, AfterTheFact: true, EndReport: true, Ord: 10,
			Fields: []Field{
				applicant(),
				contact(),
				title("例外措置の内容を一言で"),
				{Key: "rule", Type: KindRule, Required: true, Label: "例外措置の対象となる規定（規程名と条項）", LabelEn: "Rule deviated from (catalog and clause)"},
				target("例外措置を講ずる情報システム・情報資産（台帳）", "System or asset concerned (register entry)"),
				period(true),
				area("measure", "講ずる措置（代替措置を含む）", "Measure taken instead (including compensating controls)", true),
				area("reason", "例外措置を必要とする理由", "Reason", true),
				text("end_method", "終了時の報告方法", "How the end will be reported", true),
			},
		},
		{
			Key: TypeTakeOut, Name: "情報の持出し", NameEn: "Taking information out",
			Basis:       "000 3.1.1 / 001 第45条・第47条",
			DeciderRole: authz.RoleDivisionISO, DeciderFrom: FromUnit, Ord: 20,
			Fields: []Field{
				applicant(), title("持ち出す情報"),
				level("情報の格付", "Classification", "機密性3", "機密性2", "機密性1"),
				area("information", "持ち出す情報の内容", "Information taken out", true),
				target("持ち出す情報資産（台帳）", "Information asset taken out (register entry)"),
				text("destination", "持出し先", "Destination", true),
				period(true),
				text("method", "運搬・送信の方法（暗号化等）", "How it is carried or sent (encryption etc.)", true),
			},
			Levels: []LevelRule{{Level: "機密性3", Outcome: OutcomePermit}, {Level: "機密性2", Outcome: OutcomeNotice}, {Level: "機密性1", Outcome: OutcomeNone}},
		},
		{
			Key: TypeMediaTakeOut, Name: "外部電磁的記録媒体の持出し", NameEn: "Taking external media out",
			Basis:       "000 8.1.1(3)(g) / 001 第145条",
			DeciderRole: authz.RoleDivisionISO, DeciderFrom: FromUnit, Ord: 30,
			Fields: []Field{
				applicant(), title("持ち出す媒体"),
				level("記録された情報の格付", "Classification of the information on it", "機密性3", "要保全情報", "要安定情報", "機密性2", "その他"),
				text("media", "媒体の種類と管理番号", "Kind and number of the medium", true),
				{Key: "target", Type: KindTarget, Label: "持ち出す媒体（媒体管理台帳）", LabelEn: "Medium taken out (media register)",
					Help: "媒体番号（例: USB-001）又は medium:番号"},
				text("destination", "持出し先", "Destination", true),
				period(true),
				text("protection", "暗号化等の措置", "Encryption and other protection", true),
			},
			Levels: []LevelRule{{Level: "機密性3", Outcome: OutcomePermit}, {Level: "要保全情報", Outcome: OutcomePermit},
				{Level: "要安定情報", Outcome: OutcomePermit}, {Level: "機密性2", Outcome: OutcomeNotice}, {Level: "その他", Outcome: OutcomeNone}},
		},
		{
			Key: TypeC3Provision, Name: "機密性3 情報の提供", NameEn: "Providing confidentiality-3 information",
			Basis:       "000 3.1.1(5)(c) / 001 第46条",
			DeciderRole: authz.RoleDivisionISO, DeciderFrom: FromUnit, Ord: 40,
			Fields: []Field{
				applicant(), title("提供する情報"),
				text("recipient", "提供先", "Recipient", true),
				area("purpose", "提供の目的", "Purpose", true),
				text("method", "提供の方法", "How it is provided", true),
				area("handling", "提供先に伝える取扱上の留意事項", "Handling notes given to the recipient", true),
				{Key: "on", Type: KindDate, Required: true, Label: "提供日", LabelEn: "Date"},
			},
		},
		{
			Key: TypeOutsideArea, Name: "要管理対策区域外での端末利用", NameEn: "Using a terminal outside the controlled area",
			Basis:       "000 3.1.1(4)(b)・8.1.1(4)(b) / 001 第45条・第146条",
			DeciderRole: authz.RoleDivisionISO, DeciderFrom: FromUnit, Ord: 50,
			Fields: []Field{
				applicant(), title("利用の概要"),
				level("取り扱う情報", "Information handled", "機密性3", "要保全情報", "要安定情報", "その他"),
				text("terminal", "端末（管理番号）", "Terminal (asset number)", true),
				{Key: "target", Type: KindTarget, Label: "利用する端末（端末管理台帳）", LabelEn: "Terminal used (device register)",
					Help: "端末の管理番号（例: PC-001）又は device:番号"},
				text("place", "利用場所", "Where", true),
				period(true),
				area("measures", "講ずる安全管理措置", "Safeguards", true),
			},
			Levels: []LevelRule{{Level: "機密性3", Outcome: OutcomePermit}, {Level: "要保全情報", Outcome: OutcomePermit},
				{Level: "要安定情報", Outcome: OutcomePermit}, {Level: "その他", Outcome: OutcomeNone}},
		},
		{
			Key: TypeOwnDevice, Name: "支給以外の端末の利用", NameEn: "Using a terminal not issued by the organisation",
			Basis:       "000 6.1.3・8.1.1(4)(b) / 001 第94条〜第97条",
			DeciderRole: authz.RoleDivisionISO, DeciderFrom: FromUnit, EndReport: true, Ord: 60,
			Fields: []Field{
				applicant(), title("利用の概要"),
				level("取り扱う情報", "Information handled", "要保護情報", "その他"),
				text("terminal", "端末（機種・所有者）", "Terminal (model, owner)", true),
				period(true),
				area("measures", "講ずる安全管理措置（利用後の情報消去を含む）", "Safeguards (including erasure after use)", true),
			},
			Levels: []LevelRule{{Level: "要保護情報", Outcome: OutcomePermit}, {Level: "その他", Outcome: OutcomeNotice}},
		},
		{
			Key: TypeCloud, Name: "クラウドサービス利用", NameEn: "Using a cloud service",
			Basis:       "000 4.2 / 001 第61条〜第71条",
			DeciderRole: authz.RoleDivisionISO, DeciderFrom: FromUnit, Ord: 70,
			Fields: []Field{
				applicant(), title("クラウドサービス名"),
				level("取り扱う情報", "Information handled", "要機密情報", "要機密情報以外"),
				text("provider", "提供者", "Provider", true),
				area("purpose", "利用目的と業務", "Purpose", true),
				{Key: "ismap", Type: KindSelect, Required: true, Label: "ISMAP 登録", LabelEn: "Listed in ISMAP", Options: []string{"登録あり", "登録なし", "確認中"}},
				text("location", "データの保存場所（国・地域）", "Where the data is stored (country, region)", false),
				target("関連する情報システム・台帳番号", "Related system or register entry"),
				period(false),
			},
			Levels: []LevelRule{{Level: "要機密情報", Outcome: OutcomePermit, DeciderRole: authz.RoleChiefISO},
				{Level: "要機密情報以外", Outcome: OutcomePermit}},
		},
		{
			Key: TypeRiskAcceptance, Name: "リスクの受容", NameEn: "Accepting a residual risk",
			Basis:       "000 2.1.3 / 001 第18条 / 003 1 / 004 (1)ウ",
			DeciderRole: authz.RoleCISO, DeciderFrom: FromUnit, Ord: 80,
			Fields: []Field{
				applicant(), title("受容するリスク"),
				{Key: "target", Type: KindTarget, Required: true, Label: "リスク（リスク登録簿）", LabelEn: "Risk (risk register)",
					Help: "risk:番号"},
				text("residual", "残留リスク値 / 基準値", "Residual risk value / threshold", true),
				area("reason", "受容する理由", "Why the risk is kept", true),
			},
		},
	}
}

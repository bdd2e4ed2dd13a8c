package cli

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

// enumPrefix is the value prefix of an enum: "SERVICE_" for Service.
func enumPrefix(ed protoreflect.EnumDescriptor) string {
	return strings.TrimSuffix(string(ed.Values().ByNumber(0).Name()), "UNSPECIFIED")
}

// parseEnum reads a value of ed the way people type it: "azure",
// "office-365", "B", "in_progress", or the full name "SERVICE_AZURE".
func parseEnum(ed protoreflect.EnumDescriptor, flag, s string) (protoreflect.EnumNumber, error) {
	prefix := enumPrefix(ed)
	name := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), "-", "_"))
	if !strings.HasPrefix(name, prefix) {
		name = prefix + name
	}
	if v := ed.Values().ByName(protoreflect.Name(name)); v != nil && v.Number() != 0 {
		return v.Number(), nil
	}
	return 0, fmt.Errorf("%s %q: want one of %s", flag, s, strings.Join(enumChoices(ed), ", "))
}

func enumChoices(ed protoreflect.EnumDescriptor) []string {
	prefix := enumPrefix(ed)
	var out []string
	for i := 1; i < ed.Values().Len(); i++ {
		out = append(out, short(prefix, string(ed.Values().Get(i).Name())))
	}
	return out
}

func short(prefix, name string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(name, prefix), "_", "-"))
}

// enumName prints an enum value the way parseEnum reads it ("-" when unset).
func enumName(v interface {
	Descriptor() protoreflect.EnumDescriptor
	Number() protoreflect.EnumNumber
}) string {
	if v.Number() == 0 {
		return "-"
	}
	ev := v.Descriptor().Values().ByNumber(v.Number())
	if ev == nil {
		return fmt.Sprint(v.Number())
	}
	return short(enumPrefix(v.Descriptor()), string(ev.Name()))
}

func parseService(s string) (supportv1.Service, error) {
	n, err := parseEnum(supportv1.Service(0).Descriptor(), "--service", s)
	return supportv1.Service(n), err
}

func parseSeverity(flag, s string) (supportv1.Severity, error) {
	n, err := parseEnum(supportv1.Severity(0).Descriptor(), flag, s)
	return supportv1.Severity(n), err
}

func parseStatus(s string) (supportv1.TicketStatus, error) {
	n, err := parseEnum(supportv1.TicketStatus(0).Descriptor(), "--status", s)
	return supportv1.TicketStatus(n), err
}

func parseEscalationReason(s string) (supportv1.EscalationReason, error) {
	n, err := parseEnum(supportv1.EscalationReason(0).Descriptor(), "--reason", s)
	return supportv1.EscalationReason(n), err
}

func parseProofKind(s string) (supportv1.ProofKind, error) {
	n, err := parseEnum(supportv1.ProofKind(0).Descriptor(), "--proof-kind", s)
	return supportv1.ProofKind(n), err
}

func parseContactMethod(s string) (supportv1.ContactMethod, error) {
	n, err := parseEnum(supportv1.ContactMethod(0).Descriptor(), "--contact-method", s)
	return supportv1.ContactMethod(n), err
}

// protoEnum is a generated enum type.
type protoEnum interface {
	~int32
	Descriptor() protoreflect.EnumDescriptor
}

// parseAs reads a value of the enum E as parseEnum does.
func parseAs[E protoEnum](flag, s string) (E, error) {
	var zero E
	n, err := parseEnum(zero.Descriptor(), flag, s)
	return E(n), err
}

// parseAllAs reads every value of a repeated enum flag.
func parseAllAs[E protoEnum](flag string, ss []string) ([]E, error) {
	out := make([]E, 0, len(ss))
	for _, s := range ss {
		v, err := parseAs[E](flag, s)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// choices lists the values of E as parseAs reads them, for help texts
// and shell completion.
func choices[E protoEnum]() []string {
	var zero E
	return enumChoices(zero.Descriptor())
}

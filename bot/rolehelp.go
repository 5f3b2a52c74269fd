package bot

import (
	"slices"
	"strings"

	"gorm.io/gorm"

	"taskbot/models"
)

// commandRoles says who a command is for: a person sees, in /help and in
// their command menu, the commands of the roles they hold; admins see all.
// A command not listed is for everyone.
var commandRoles = map[string][]models.Role{
	"report":     {models.RoleAttendant, models.RoleOwner},
	"coordinate": {models.RoleAttendant, models.RoleOwner},
	"close":      {models.RoleAttendant, models.RoleOwner},
	"extend":     {models.RoleAttendant, models.RoleOwner},
	"remind":     {models.RoleLeader},
	"instruct":   {models.RoleLeader},
	"summaryat":  {models.RoleLeader, models.RoleOwner},
	"export":     {},
	"commit":     {},
	"group":      {models.RoleLeader},
	"visit":      {models.RoleLeader},
}

// commandsFor lists, in menu order, the commands of someone holding roles.
func commandsFor(roles []models.Role, admin bool) []string {
	var out []string
	for _, name := range MenuCommands {
		who, limited := commandRoles[name]
		if admin || !limited || slices.ContainsFunc(who, func(r models.Role) bool { return slices.Contains(roles, r) }) {
			out = append(out, name)
		}
	}
	return out
}

// rolesOf lists the roles a person holds on any task.
func rolesOf(tx *gorm.DB, personID uint) ([]models.Role, error) {
	var roles []models.Role
	if err := tx.Model(&models.Assignment{}).Where("person_id = ?", personID).Distinct("role").Pluck("role", &roles).Error; err != nil {
		return nil, err
	}
	return roles, nil
}

// roleHelp is /help with only the lines of the given commands: the lines
// of the full help that begin with one of them, and every line that names
// no command (the title, how to reply to a reminder).
func (c *Catalog) roleHelp(lang string, commands []string) string {
	var keep []string
	for _, line := range strings.Split(c.T(lang, "help", nil), "\n") {
		if name, ok := strings.CutPrefix(line, "/"); ok {
			name, _, _ = strings.Cut(name, " ")
			if !slices.Contains(commands, name) {
				continue
			}
		}
		keep = append(keep, line)
	}
	return strings.Join(keep, "\n")
}

// queuePersonMenu sets the command menu of a person's private chat to the
// commands of their roles (BotCommandScopeChat), in their language.
func (h *Handler) queuePersonMenu(tx *gorm.DB, chatID int64, lang string, commands []string, key string) error {
	out := models.Outgoing{}
	for _, name := range commands {
		out.Commands = append(out.Commands, models.Command{Command: name, Description: h.Catalog.T(lang, "cmd_"+name, nil)})
	}
	return models.Enqueue(tx, key, chatID, models.OutSetCommands, out)
}

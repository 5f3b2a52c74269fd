package report

import "taskbot/models"

type sqlTime = models.SQLTime

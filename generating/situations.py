"""The words of the synthetic generator: base situations, slot values and the phrases tickets are built from.

`generating/synthetic.py` is the machinery; this file is data. Each `situation(...)` is one thing that
happens at an IT service desk, written for the default taxonomy (configs/schema/itsm_default.yaml):

    situation(id, subcategory, impacts, summary, short, bodies, group=..., request=..., **slots)

- `impacts`: the scopes the situation can plausibly have, as letters: m (minor: one user with a
  workaround, a question, a cosmetic issue), u (one user impaired or blocked), t (a team blocked),
  o (production, a site or the whole company down). The first letter is the scope the body implies
  on its own, used when the ticket states no scope. Priority is derived from scope x urgency in
  synthetic.py, never written here, so the text always justifies it.
- `summary`: the label's summary, an English sentence template (<= 120 characters once filled).
- `short`: the few words a user types when in a hurry ("vpn broken again").
- `bodies`: several phrasings of the problem, first person, scope-neutral (the scope phrase is added).
- `{slot}` placeholders draw from the situation's own `slots` first, then from `POOLS`. One value
  per slot per ticket, so body, summary and pasted error agree.
- `error=[...]`: what the screen or the log says, for incidents that show an error; the error-trace
  noise pastes one of them (a one-line message or a multi-line log).

Add a situation: copy a neighbour, give it a new id, run `pytest tests/test_synthetic.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CATEGORY_OF = {
    sub: cat
    for cat, subs in {
        "Access": ["Password Reset", "Account Lockout", "Permission Request", "MFA & SSO"],
        "Hardware": ["Laptop", "Desktop", "Printer", "Peripheral", "Mobile Device"],
        "Software": ["Installation", "Bug or Error", "License", "Update"],
        "Network": ["VPN", "Wi-Fi", "Connectivity", "Firewall & DNS"],
        "Email & Collaboration": ["Mailbox", "Calendar", "Chat & Meetings", "Distribution List"],
        "Security": ["Phishing", "Malware", "Data Loss", "Suspicious Activity"],
        "Infrastructure": ["Server", "Storage", "Backup", "Database"],
    }.items()
    for sub in subs
}

# The team that usually works each subcategory; a situation overrides it with `group=` (simple
# first-line requests go to the Service Desk, database backups to the DBAs, ...).
DEFAULT_GROUP = {
    "Password Reset": "Service Desk",
    "Account Lockout": "Service Desk",
    "Permission Request": "Identity & Access Management",
    "MFA & SSO": "Identity & Access Management",
    "Laptop": "Desktop Support",
    "Desktop": "Desktop Support",
    "Printer": "Desktop Support",
    "Peripheral": "Desktop Support",
    "Mobile Device": "Desktop Support",
    "Installation": "Desktop Support",
    "Bug or Error": "Application Support",
    "License": "Application Support",
    "Update": "Desktop Support",
    "VPN": "Network Operations",
    "Wi-Fi": "Network Operations",
    "Connectivity": "Network Operations",
    "Firewall & DNS": "Network Operations",
    "Mailbox": "Messaging Team",
    "Calendar": "Messaging Team",
    "Chat & Meetings": "Messaging Team",
    "Distribution List": "Messaging Team",
    "Phishing": "Security Operations",
    "Malware": "Security Operations",
    "Data Loss": "Security Operations",
    "Suspicious Activity": "Security Operations",
    "Server": "Infrastructure Team",
    "Storage": "Infrastructure Team",
    "Backup": "Infrastructure Team",
    "Database": "Database Administration",
}

SCOPES = "muto"  # minor, user, team, org (see the module docstring)
VOICES = ("user", "request", "system", "security", "phishing", "dataloss")


@dataclass(frozen=True)
class Situation:
    id: str
    category: str
    subcategory: str
    assignment_group: str
    request_type: str
    impacts: str
    summary: str
    short: tuple[str, ...]
    bodies: tuple[str, ...]
    voice: str  # which scope/urgency phrases fit (one of VOICES)
    slots: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)


def situation(
    id: str,
    subcategory: str,
    impacts: str,
    summary: str,
    short: list[str],
    bodies: list[str],
    *,
    group: str = "",
    request: bool = False,
    voice: str = "",
    **slots: list[str],
) -> Situation:
    """One base situation; category, group and voice follow from the subcategory unless given."""
    category = CATEGORY_OF[subcategory]
    if not voice:
        if request:
            voice = "request"
        elif category == "Infrastructure":
            voice = "system"
        elif subcategory == "Phishing":
            voice = "phishing"
        elif subcategory == "Data Loss":
            voice = "dataloss"
        elif category == "Security":
            voice = "security"
        else:
            voice = "user"
    return Situation(
        id=id,
        category=category,
        subcategory=subcategory,
        assignment_group=group or DEFAULT_GROUP[subcategory],
        request_type="Service Request" if request else "Incident",
        impacts=impacts,
        summary=summary,
        short=tuple(short),
        bodies=tuple(bodies),
        voice=voice,
        slots={k: tuple(v) for k, v in slots.items()},
    )


# ---- slot values shared by all situations -------------------------------------------------------
FIRST_NAMES = [
    "Anna",
    "James",
    "Priya",
    "Luis",
    "Sofia",
    "Tom",
    "Aisha",
    "Mark",
    "Chen",
    "Laura",
    "Omar",
    "Kate",
    "Diego",
    "Fatima",
    "Peter",
    "Elena",
    "Raj",
    "Hannah",
    "Lucas",
    "Marta",
    "David",
    "Yuki",
    "Sarah",
    "Ahmed",
    "Julia",
    "Ben",
    "Carmen",
    "Nikos",
    "Grace",
    "Pablo",
    "Olivia",
    "Stefan",
    "Amara",
    "Jorge",
    "Emma",
    "Ivan",
]
LAST_NAMES = [
    "Smith",
    "Garcia",
    "Patel",
    "Müller",
    "Rossi",
    "Johnson",
    "Kowalski",
    "Nguyen",
    "Brown",
    "Fernández",
    "O'Connor",
    "Schmidt",
    "Silva",
    "Khan",
    "Dubois",
    "Martin",
    "Jensen",
    "Lopez",
    "Wilson",
    "Novak",
    "Haddad",
    "Okafor",
    "Larsen",
    "Moreno",
    "Taylor",
    "Ivanova",
    "Sato",
    "Costa",
    "Murphy",
    "Weber",
]

POOLS: dict[str, list[str]] = {
    "first": FIRST_NAMES,
    "last": LAST_NAMES,
    "person": FIRST_NAMES,
    "manager": [f"{f} {ln}" for f, ln in zip(FIRST_NAMES[::3], LAST_NAMES[::2], strict=False)],
    "title": [
        "Senior Accountant",
        "HR Business Partner",
        "Sales Manager",
        "Marketing Coordinator",
        "Legal Counsel",
        "Buyer",
        "Customer Service Agent",
        "Logistics Planner",
        "Software Engineer",
        "Payroll Specialist",
        "Operations Manager",
        "Executive Assistant",
        "Financial Analyst",
        "Warehouse Supervisor",
        "Data Analyst",
    ],
    "dept": [
        "Finance",
        "HR",
        "Sales",
        "Marketing",
        "Legal",
        "Procurement",
        "Customer Service",
        "Logistics",
        "Engineering",
        "Payroll",
        "Accounts Payable",
        "Operations",
        "Treasury",
        "Facilities",
        "Reception",
    ],
    "site": [
        "London",
        "Madrid",
        "Berlin",
        "Chicago",
        "Toronto",
        "Manchester",
        "Dublin",
        "Austin",
        "Lisbon",
        "Warsaw",
        "Singapore",
        "Paris",
        "Leeds",
        "Barcelona",
        "Denver",
    ],
    "floor": ["ground", "1st", "2nd", "3rd", "4th", "5th", "6th"],
    "app": [
        "SAP",
        "Salesforce",
        "Workday",
        "ServiceNow",
        "Dynamics 365",
        "Oracle EBS",
        "Jira",
        "Confluence",
        "Power BI",
        "Tableau",
        "SharePoint",
        "Concur",
        "NetSuite",
        "Sage",
        "the HR portal",
        "the intranet",
        "the expenses tool",
        "the CRM",
        "the ERP",
        "the booking system",
        "the warehouse system",
        "Coupa",
    ],
    "office_app": ["Excel", "Word", "PowerPoint", "Visio", "OneNote", "Access", "Microsoft Project"],
    "licensed_app": [
        "Visio",
        "Microsoft Project",
        "Adobe Acrobat Pro",
        "Power BI Pro",
        "AutoCAD",
        "Tableau",
        "Miro",
        "Adobe Photoshop",
        "SPSS",
        "MATLAB",
        "Camtasia",
        "Snagit",
        "JetBrains IntelliJ",
        "Zoom Pro",
    ],
    "install_app": [
        "Notepad++",
        "7-Zip",
        "Python 3.12",
        "Visual Studio Code",
        "Git",
        "RStudio",
        "Zoom",
        "Slack",
        "WinSCP",
        "Postman",
        "Docker Desktop",
        "Power BI Desktop",
        "Webex",
        "Audacity",
        "Paint.NET",
        "FileZilla",
        "DBeaver",
        "Wireshark",
    ],
    "browser": ["Chrome", "Edge", "Firefox", "Safari"],
    "vpn": ["GlobalProtect", "Cisco AnyConnect", "FortiClient", "the VPN client", "Pulse Secure", "Zscaler"],
    "laptop": [
        "Dell Latitude 5440",
        "Dell Latitude 7420",
        "Lenovo ThinkPad T14",
        "ThinkPad X1 Carbon",
        "HP EliteBook 840",
        "MacBook Pro",
        "MacBook Air",
        "Surface Laptop 5",
        "HP ProBook 450",
    ],
    "desktop": [
        "Dell OptiPlex 7090",
        "HP EliteDesk 800",
        "Lenovo ThinkCentre M70q",
        "HP Z4 workstation",
        "Dell Precision 3660",
    ],
    "printer": [
        "HP LaserJet M607",
        "Ricoh MP C3004",
        "Canon iR-ADV C5535",
        "Xerox VersaLink C7020",
        "Kyocera TASKalfa 3253ci",
        "Brother HL-L6400",
        "HP Color LaserJet M554",
        "Konica Minolta C300i",
    ],
    "printer_spot": [
        "by the kitchen",
        "next to reception",
        "in the copy room",
        "near the lifts",
        "by the stairs",
        "in the open-plan area",
        "outside the boardroom",
    ],
    "phone": [
        "iPhone 13",
        "iPhone 14",
        "iPhone 15",
        "Samsung Galaxy S23",
        "Samsung Galaxy A54",
        "Pixel 7",
        "iPhone SE",
    ],
    "monitor": ["Dell P2422H", "Dell U2722D", "LG 27UP850", "HP E24 G5", "Samsung S32", "Lenovo T27i"],
    "server": [
        "APP-PRD-01",
        "SRV-FS02",
        "web-prod-03",
        "lon-dc01",
        "ERP-APP02",
        "mad-app-02",
        "CTX-PRD-05",
        "esx-host-07",
        "jenkins01",
        "PRINT-SRV01",
        "ber-file01",
        "api-prod-02",
        "RDS-GW01",
    ],
    "dbserver": ["SQL-PRD-01", "sqlprod02", "ORA-FIN-01", "pg-prod-01", "db-crm-02", "mysql-web-01", "SQLCLUS03"],
    "db": ["FinanceDW", "CRM_PROD", "HRDB", "SalesOrders", "inventory", "billing", "payroll_prod", "WMS_PROD"],
    "share": [
        "\\\\fs01\\finance",
        "\\\\fileserver\\shared\\HR",
        "the S: drive",
        "\\\\srv-fs02\\marketing",
        "the Projects share",
        "the team drive",
        "\\\\ber-file01\\legal",
        "the P: drive",
    ],
    "sharepoint": [
        "the Finance SharePoint site",
        "the Projects hub",
        "the Sales team site",
        "the HR policies site",
        "the Legal contracts library",
        "the Marketing assets site",
    ],
    "room": [
        "meeting room 3.14",
        "the Boardroom",
        "the Everest room",
        "training room B",
        "the Atlas room",
        "meeting room 2A",
        "the Ocean room",
    ],
    "vendor": [
        "Acme Logistics",
        "Northwind Traders",
        "Fabrikam",
        "Globex",
        "Initech",
        "Contoso",
        "Tailspin Toys",
        "Wingtip Supplies",
    ],
    "since": [
        "this morning",
        "yesterday",
        "Monday",
        "yesterday afternoon",
        "the update last night",
        "lunchtime",
        "last week",
        "the weekend",
        "I came back from holiday",
    ],
    "time": ["10:00", "11:30", "2pm", "3pm", "4:30pm", "noon", "9am", "1pm"],
    "day": [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "next Monday",
        "the end of the week",
        "the 1st of next month",
    ],
    "weekday": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
    "count": ["5", "6", "8", "10", "12", "15", "20", "25", "30", "40"],
    "minutes": ["5", "10", "15", "20", "30"],
    "years": ["two", "three", "five", "six", "ten"],
    "ticket": ["INC0041877", "INC0052310", "INC0039925", "RITM0012544", "INC0061402", "INC0048813"],
    "percent": ["85", "90", "92", "95", "97", "98", "99"],
    "hostname": [
        "intranet.corp.example.com",
        "crm.example.com",
        "portal.example.com",
        "wiki.corp.example.com",
        "sftp.partner-example.net",
        "reports.example.com",
        "timesheets.example.com",
    ],
    "website": [
        "github.com",
        "a supplier's website",
        "a government tender portal",
        "linkedin.com",
        "a customer's file-sharing site",
        "the trade association website",
        "dropbox.com",
    ],
    "phone_number": [
        "+1 555 0142",
        "+1 555 0199",
        "+44 7700 900123",
        "+44 7700 900871",
        "+34 600 000 412",
        "+1 555 0167",
        "+49 151 0000 3321",
    ],
    "empid": ["E10482", "E23317", "E30954", "E41209", "E55026", "E60731", "E71188"],
    "asset": ["LT-20481", "LT-31955", "LT-10422", "LT-40217", "MB-00981", "LT-52230", "MB-00317"],
    "cost_centre": ["CC-4100", "CC-2300", "CC-5120", "CC-1800", "CC-7740"],
}

# ---- the phrases tickets are built from -------------------------------------------------------
# Scope phrases by voice and scope letter. They must not contradict any body of that voice.
IMPACT: dict[str, dict[str, list[str]]] = {
    "user": {
        "m": [
            "It's only me and I have a workaround for now.",
            "Not a big deal, I can work around it for now.",
            "It's more annoying than blocking.",
            "I can still work, it's just slower.",
            "It only affects me and it's not stopping me from working.",
            "Just me as far as I know, and I can manage in the meantime.",
        ],
        "u": [
            "I can't do my job until this is fixed.",
            "This is blocking me completely.",
            "It's only me, but I'm stuck.",
            "I can't get any work done like this.",
            "I have no workaround.",
            "I'm losing a lot of time with this and can't really work.",
            "It only affects me as far as I know, but I can't work properly.",
        ],
        "t": [
            "It's not just me, the whole {dept} team has the same problem.",
            "About {count} people in {dept} are affected.",
            "Nobody on the {floor} floor in {site} can work.",
            "My colleagues in {dept} see the same, so the whole team is blocked.",
            "The whole {dept} team is stuck because of this.",
            "It's affecting our whole department ({dept}, {count} people).",
        ],
        "o": [
            "This is affecting everyone in the company.",
            "All sites are affected, nobody can work.",
            "It's company-wide, every user I've spoken to has the same issue.",
            "Customers are affected, this is a full outage.",
            "Everyone in every office is down.",
            "All {site} users and the other offices too, nobody can work.",
        ],
    },
    "request": {
        "m": [
            "It's only for me.",
            "Nice to have, it's not blocking anything.",
            "I can manage without it for now.",
            "It would just make my life easier.",
            "Nothing is blocked without it.",
        ],
        "u": [
            "I can't start on my work without it.",
            "I'm blocked until I get this.",
            "I need it to do my job.",
            "I can't do my tasks without it.",
            "Without it I can't do a big part of my work.",
        ],
        "t": [
            "The whole {dept} team ({count} people) is waiting on this and can't work.",
            "The {dept} team can't start work until this is done.",
            "{count} people in {dept} are blocked until this is in place.",
        ],
        "o": [
            "Every user in the company is waiting on this.",
            "All offices need this before they can work.",
        ],
    },
    "system": {
        "m": [
            "Nothing is impacted yet, but we should look at it before it becomes a problem.",
            "No users are affected so far.",
            "It's a test box, so no business impact.",
            "Just flagging it, no impact at the moment.",
        ],
        "u": [
            "It's slowing {app} down but people can still work.",
            "Only a few reports are affected, users have a workaround.",
            "Some users notice it but they can still work.",
            "A couple of users complained, nothing is down.",
        ],
        "t": [
            "The {dept} team can't use {app} because of it.",
            "{app} is down for the whole {dept} department.",
            "One business unit ({dept}) is blocked.",
            "The {dept} team ({count} people) can't work until it's back.",
        ],
        "o": [
            "Production is down.",
            "This is taking down {app} in production for all users.",
            "Customer-facing services are down.",
            "All sites are affected, this is a full outage.",
            "Production is down for every office.",
        ],
    },
    "security": {
        "m": [
            "Nothing seems to be affected, just reporting it to be safe.",
            "Probably harmless but I wanted you to know.",
            "No harm done as far as I can tell.",
            "Just letting you know in case it matters.",
        ],
        "u": [
            "I'm worried my account is compromised.",
            "My laptop might be affected, I've stopped using it.",
            "I think my account or my device is affected.",
            "Only my machine as far as I know, but I'm worried.",
        ],
        "t": [
            "Several people in {dept} are seeing the same thing.",
            "It looks like the whole {dept} team is affected.",
            "At least {count} people in {dept} report the same.",
        ],
        "o": [
            "It seems to be spreading across the company.",
            "Multiple sites are reporting the same, this looks like an active attack.",
            "Shared drives across the company are affected.",
        ],
    },
    "phishing": {
        "m": [
            "I didn't click anything, just reporting it.",
            "I deleted it without opening the link.",
            "I haven't opened the attachment.",
            "I didn't reply or click, just flagging it.",
        ],
        "u": [
            "I clicked the link and typed my password before I noticed.",
            "I opened the attachment before I realised.",
            "I'm afraid I replied to it.",
            "I clicked it and entered my login details, sorry.",
        ],
        "t": [
            "Several people in {dept} got the same mail.",
            "It went to the whole {dept} team and a few of them clicked.",
            "At least {count} people in {dept} received it.",
        ],
        "o": [
            "It looks like it went to the whole company and people are clicking.",
            "Hundreds of mailboxes received it across all offices.",
        ],
    },
    "dataloss": {
        "m": [
            "It was caught quickly, I don't think anyone else saw it.",
            "Probably low risk, but I wanted to report it.",
            "As far as I can tell nobody accessed it.",
        ],
        "u": [
            "It includes personal data, so it may need to be reported.",
            "There was confidential information involved.",
            "The data includes customer details.",
        ],
        "t": [
            "It involves data of the whole {dept} department.",
            "Data of several teams is involved.",
        ],
        "o": [
            "It involves data of thousands of customers.",
            "A large amount of company data may be exposed.",
        ],
    },
}

# Urgency phrases. "normal" is mostly no phrase at all; "low" only goes with minor scope.
URGENCY_LOW = [
    "No rush, whenever you have time.",
    "Not urgent at all.",
    "Sometime next week is fine.",
    "Low priority from my side.",
    "Whenever someone gets a chance.",
    "No hurry on this one.",
]
URGENCY_NORMAL = [
    "Could someone take a look?",
    "Let me know if you need more details.",
    "Can you help?",
    "Please advise.",
    "Can someone have a look?",
]
URGENCY_DEADLINE: dict[str, list[str]] = {
    "user": [
        "I have a client presentation at {time}.",
        "Payroll run is tonight.",
        "Month-end close is tomorrow and I need this working.",
        "The board meeting is at {time} today.",
        "I have a hard deadline at {time} today.",
        "The auditors arrive tomorrow morning.",
        "I'm presenting to a customer at {time}.",
        "I need this fixed before {time}, there's a deadline.",
        "I need this working by {time} today.",
        "I have a deadline this afternoon.",
        "I'm flying out tomorrow morning and need it before then.",
        "We have a customer delivery due today.",
    ],
    "request": [
        "We need it by {weekday}.",
        "I need it before {day}.",
        "The project kicks off on {day}.",
        "The contract requires it by {day}.",
        "We need it in place before {day} for the go-live.",
    ],
    "system": [
        "The nightly batch starts at 22:00.",
        "Month-end processing runs tonight.",
        "Go-live is tomorrow morning.",
        "Payroll runs off this tonight.",
        "The quarter-end reports run at {time}.",
    ],
}
URGENCY_DEADLINE["security"] = URGENCY_DEADLINE["user"]
URGENCY_DEADLINE["dataloss"] = [
    "The regulator has to be notified within 72 hours.",
    "The customer meeting about it is at {time} today.",
    "Legal needs an answer by {time} today.",
]
URGENCY_DEADLINE["phishing"] = [
    "The payment is due to be released today.",
    "Finance is about to pay it this afternoon.",
    "I have a client meeting at {time} and need my account working.",
]

# Few-word tails of very short tickets, by scope or urgency.
SHORT_TAILS: dict[str, list[str]] = {
    "m": ["not urgent", "minor", "no rush", "have a workaround"],
    "u": ["cant work", "blocked", "stuck", "cant do anything"],
    "t": ["whole {dept} team affected", "whole team down", "{count} ppl affected"],
    "o": ["everyone down!!", "prod down", "all sites down", "whole company affected"],
    "deadline": ["need it by {time}", "deadline today", "need before {day}"],
}
SHORT_FILLERS = ["", "", " again", " pls help", " - help", "??", " !!", " again...", " since {since}", " help"]

GREETINGS = [
    "Hi,",
    "Hello,",
    "Hi team,",
    "Hello IT,",
    "Hi IT team,",
    "Good morning,",
    "Good afternoon,",
    "Dear Service Desk,",
    "Hey,",
    "Hi all,",
    "Hello support,",
    "Morning,",
    "Dear IT,",
    "Hi there,",
]
OPENERS = [
    "I hope you're well.",
    "Hope you can help.",
    "Sorry to bother you.",
    "Quick one.",
    "Not sure this is the right place, but here goes.",
    "I need some help please.",
    "Hope you're having a good day.",
    "Sorry to raise another ticket.",
]
CLOSINGS = [
    "Thanks,",
    "Thanks in advance,",
    "Thank you,",
    "Cheers,",
    "Regards,",
    "Best regards,",
    "Kind regards,",
    "Many thanks,",
    "Thanks!",
    "Best,",
    "BR,",
    "Thanks for your help,",
    "Appreciate the help,",
]
SIGNATURES = [
    "{first}",
    "{first} {last}",
    "{first}\n{dept}",
    "{first} {last}\n{dept} | {site}",
    "{first} ({dept})",
    "- {first}",
    "{first} {last}\n{title}",
]
CHAT_GREETINGS = ["hi", "hey", "hello", "hi team", "morning", "Hi IT", "hello IT", "Hi,", "hey team"]
CHAT_ENDINGS = ["", "", "thanks", "thank you", "cheers", "thanks!"]
FORM_HEADINGS = [
    ("Short description", "Description"),
    ("Subject", "Details"),
    ("Title", "Description of the issue"),
    ("Issue", "More information"),
]
AGENT_LOGS = [
    "Phone call from {first} {last} ({dept})",
    "Walk-in at the {site} service desk, {first} {last} from {dept}",
    "Logged on behalf of {first} {last}, {dept}",
    "Chat transcript with {first} {last} ({dept}, {site})",
    "Voicemail from {first} in {dept}, transcribed",
]

# Context sentences: when it started, where the user is, what they tried (by subcategory, else category).
SINCE_CONTEXT = [
    "This has been happening since {since}.",
    "Since {since} it's been like this.",
    "It was fine until {since}.",
    "It's been like this since {since}.",
]
WHERE_CONTEXT = [
    "I'm working from home today.",
    "I'm in the {site} office, {floor} floor.",
    "I'm at the {site} office.",
    "I'm travelling this week.",
    "I'm based in {site}.",
]
TRIED: dict[str, list[str]] = {
    "Access": [
        "I already tried restarting.",
        "I tried in a private browser window too, same result.",
        "I've typed it very carefully several times.",
        "Rebooting didn't change anything.",
    ],
    "Hardware": [
        "I already tried turning it off and on again.",
        "I've checked all the cables.",
        "Restarting didn't help.",
        "I tried it on another desk, same thing.",
    ],
    "Software": [
        "I restarted the program and the laptop, no change.",
        "Reinstalling didn't help.",
        "A colleague tried on their machine, same thing.",
        "I already rebooted twice.",
    ],
    "Network": [
        "I've restarted my laptop and the router.",
        "I tried another network, same result.",
        "Rebooting didn't help.",
        "I already ran the Windows troubleshooter.",
    ],
    "Email & Collaboration": [
        "I restarted Outlook already.",
        "The web version does the same.",
        "I signed out and back in, no change.",
        "Restarting didn't help.",
    ],
    "Security": [
        "I've disconnected from the network just in case.",
        "I haven't touched anything since.",
        "I took a screenshot before closing it.",
    ],
    "Phishing": [
        "I haven't forwarded it to anyone.",
        "I've kept the email in case you need it.",
        "I also used the Report Phishing button.",
    ],
    "Data Loss": [
        "I've already told my manager.",
        "I reported it as soon as I noticed.",
        "I haven't told anyone outside the team yet.",
    ],
    "Infrastructure": [
        "Monitoring raised the alert overnight.",
        "A restart of the service did not help.",
        "Nothing changed on our side as far as we know.",
        "We checked the event logs already.",
    ],
}
REQUEST_CONTEXT = [
    "My manager {manager} has approved it.",
    "I've just joined the {dept} team.",
    "I'm moving to the {dept} team next week.",
    "Cost centre is {cost_centre}.",
    "It's for a new project.",
    "{manager} can confirm if you need approval.",
]

# Extra material for very long tickets.
LONG_EXTRAS = [
    "For some background, I've been using this setup for {years} years without any problems.",
    "I first noticed it on {weekday} but thought it would go away by itself.",
    "My colleague {person} had something similar last month and IT fixed it remotely, maybe it's the same thing?",
    "I've attached a couple of screenshots, let me know if they don't come through.",
    "I'm available all afternoon if you want to remote in, just give me a call first.",
    "I did search the intranet FAQ but couldn't find anything that matches.",
    "It's quite frustrating because it keeps happening at the worst possible moments.",
    "I'm not very technical so apologies if I'm not describing this well.",
    "I raised something similar before ({ticket}) but I think it was closed without a fix.",
    "I'm in meetings most of the morning but free after {time}.",
    "Please don't close the ticket until I confirm it's working, last time it came back after a day.",
]
DISCLAIMERS = [
    "This e-mail and any attachments are confidential and intended solely for the addressee. If you have received "
    "it in error, please notify the sender and delete it. Opinions expressed are those of the author.",
    "CONFIDENTIALITY NOTICE: The information in this email may be legally privileged. If you are not the intended "
    "recipient, any use or disclosure is prohibited.",
    "Please consider the environment before printing this e-mail.",
]
MULTI_CONNECTORS = [
    "Also, unrelated: ",
    "One more thing: ",
    "While I have you, ",
    "PS: ",
    "Second issue: ",
    "And separately, ",
    "Also, ",
]
PII_SENTENCES = [
    "You can call me on {phone_number}.",
    "Best to reach me on {phone_number}, I'm not at my desk much.",
    "My employee number is {empid} if you need it.",
    "The asset tag on my laptop is {asset}.",
    "Please reply to {email}.",
    "My mobile is {phone_number} if easier.",
]

# Spanish/English mixing: greetings, closings, asides and word swaps of bilingual staff.
SPANISH_GREETINGS = ["Hola,", "Hola equipo,", "Buenos días,", "Buenas tardes,", "Hola a todos,"]
SPANISH_CLOSINGS = ["Gracias,", "Saludos,", "Un saludo,", "Muchas gracias,", "Gracias de antemano,"]
SPANISH_ASIDES = [
    "¿Me pueden ayudar?",
    "Perdón por mi inglés.",
    "Muchas gracias de antemano.",
    "Lo necesito, por favor.",
]
SPANISH_INCIDENT_ASIDES = [
    "No sé qué pasa.",
    "Ayer funcionaba bien.",
    "Ya lo reinicié y nada.",
    "Es la segunda vez esta semana.",
    "Lo he intentado varias veces.",
]
SPANISH_SWAPS = [
    ("doesn't work", "no funciona"),
    ("isn't working", "no funciona"),
    ("not working", "no funciona"),
    ("please", "por favor"),
    ("Please", "Por favor"),
    ("thanks", "gracias"),
    ("Thanks", "Gracias"),
    ("again", "otra vez"),
    ("today", "hoy"),
    ("yesterday", "ayer"),
    ("laptop", "portátil"),
    ("computer", "ordenador"),
    ("this morning", "esta mañana"),
    ("meeting", "reunión"),
]

# Chat style: the abbreviations people type in a hurry.
CHAT_SWAPS = {
    "please": "pls",
    "thanks": "thx",
    "thank you": "ty",
    "you": "u",
    "your": "ur",
    "because": "bc",
    "as soon as possible": "asap",
    "people": "ppl",
    "message": "msg",
    "tomorrow": "tmrw",
    "with": "w/",
    "without": "w/o",
    "before": "b4",
    "something": "smth",
    "problem": "prob",
    "information": "info",
    "at the moment": "atm",
    "by the way": "btw",
    "are": "r",
    "laptop": "lappy",
    "I don't know": "idk",
    "can't": "cant",
    "don't": "dont",
    "I'm": "im",
    "it's": "its",
    "doesn't": "doesnt",
    "isn't": "isnt",
    "again": "agn",
    "meeting": "mtg",
    "minutes": "mins",
}

# The instructions rotated into rows for the implicit prompt style (see ticket_triage/prompt.py).
INSTRUCTIONS = [
    "Triage this IT support ticket into a JSON ticket.",
    "Classify this help-desk ticket and return the triage fields as JSON.",
    "Turn this user message into a structured IT ticket. Answer with JSON only.",
    "You are an IT service desk analyst. Triage the ticket below and reply with the JSON ticket.",
    "Route this IT request: output the triage JSON.",
    "Extract the ticket fields from this support message as a JSON object.",
    "Categorise and prioritise this IT issue. Reply with a JSON object.",
    "Fill in the triage form for this ticket. JSON only, no explanation.",
    "What is this ticket about and which team should handle it? Answer in JSON.",
    "Convert the following help-desk message into a JSON ticket.",
    "Service desk triage: output the JSON ticket for the text below.",
    "Label this IT support ticket. Respond with the JSON ticket only.",
    "Help me triage this incoming ticket and give me the JSON.",
    "Read the user's request and produce the structured triage record in JSON.",
]


# ==== the situations ================================================================================
# situation(id, subcategory, impacts, summary, short, bodies, group=, request=, voice=, **slots)

ACCESS = [
    # ---- Password Reset
    situation(
        "acc-pw-forgotten",
        "Password Reset",
        "u",
        "User forgot their password and needs it reset",
        ["forgot my password", "need a password reset", "pw reset pls", "forgot password again"],
        [
            "I've forgotten my Windows password and can't log in to my laptop. Can you reset it please?",
            "I came back from two weeks off and can't remember my password. Could you reset it so I can log in?",
            "Please reset my network password, I must have forgotten it over the weekend and now I'm stuck at the "
            "login screen.",
            "I changed my password on Friday and now I can't remember the new one. I need a reset please.",
        ],
        request=True,
    ),
    situation(
        "acc-pw-expired-remote",
        "Password Reset",
        "u",
        "Expired password cannot be changed while working remotely",
        ["password expired cant change it", "pw expired working from home", "expired password"],
        [
            "My password expired while I'm working from home and changing it at the login screen keeps failing.",
            "Windows says my password has expired, but I'm remote and the change fails every time, saying the domain "
            "isn't available.",
            "Got the 'your password has expired' message on the VPN login and there's no option to change it from "
            "home.",
        ],
        error=[
            "Your password has expired and must be changed.",
            "We can't sign you in with this credential because your domain isn't available.",
        ],
    ),
    situation(
        "acc-pw-app-reset",
        "Password Reset",
        "u",
        "Password reset needed for {app}",
        ["{app} password reset", "reset my {app} pw", "{app} password"],
        [
            "Could you reset my {app} password please? I don't remember it and there's no self-service option.",
            "I need a new password for {app}. My old one isn't accepted any more.",
            "Please send me a temporary password for {app}, I haven't logged in for months and forgot it.",
        ],
        request=True,
        app=["SAP", "Workday", "Oracle EBS", "NetSuite", "Concur", "Sage"],
    ),
    situation(
        "acc-pw-sspr-error",
        "Password Reset",
        "ut",
        "Self-service password reset portal returns an error",
        ["password reset portal broken", "self service reset not working", "sspr error"],
        [
            "The self-service password reset page gives an error after I enter the verification code, so I can't "
            "reset my own password.",
            "I tried to reset my password through the self-service portal but it says 'something went wrong' at the "
            "last step.",
            "The 'forgot password' link on the login page goes to a page that never loads, so I can't reset it myself.",
        ],
        error=[
            "Something went wrong. Please try again later. (Error code: SSPR_0029)",
            "We're sorry, we can't reset your password at this time.",
        ],
    ),
    situation(
        "acc-pw-policy-rejects",
        "Password Reset",
        "mu",
        "New password rejected by the policy although it meets the rules",
        ["new password not accepted", "password keeps getting rejected", "cant change password"],
        [
            "Every new password I try is rejected as not meeting the policy, even with 14 characters, numbers and "
            "symbols.",
            "I'm trying to change my password before it expires but it keeps saying it doesn't meet the complexity "
            "rules. What are the rules exactly?",
            "The password change screen refuses everything I type. I've tried five different passwords that follow "
            "the policy.",
        ],
        error=[
            "Unable to update the password. The value provided for the new password does not meet the "
            "length, complexity, or history requirements of the domain.",
            "The password does not meet the password policy requirements.",
        ],
    ),
    situation(
        "acc-pw-starter-initial",
        "Password Reset",
        "u",
        "New starter has not received an initial password",
        ["new starter no password", "no initial password for new joiner", "first password missing"],
        [
            "I started today and never received my initial password, so I can't log in to anything. My manager is "
            "{manager}.",
            "Our new team member {person} started this morning but the welcome email with the first password never "
            "arrived. Can you send it?",
            "{person} joins the {dept} team today and we don't have a first-time password for their account.",
        ],
        request=True,
        group="Identity & Access Management",
    ),
    situation(
        "acc-pw-cached-devices",
        "Password Reset",
        "mu",
        "Devices keep prompting for the old password after a password change",
        ["phone keeps asking for password", "old password stuck on phone", "password prompts after change"],
        [
            "Since I changed my password my phone keeps asking for it every few minutes, and entering the new one "
            "doesn't help.",
            "After the password change yesterday my {phone} keeps popping up 'enter password for your account'. "
            "I think it still has the old one saved.",
            "I updated my password this morning and now my phone and tablet both keep asking for credentials in a "
            "loop.",
        ],
        error=[
            "Enter password for your account",
            "Outlook needs the password for your account.",
        ],
    ),
    situation(
        "acc-pw-bitlocker-key",
        "Password Reset",
        "u",
        "User needs the BitLocker recovery key to unlock their laptop",
        ["need bitlocker key", "bitlocker recovery key pls", "laptop asking for recovery key"],
        [
            "My laptop is asking for a BitLocker recovery key after a BIOS update and I don't have it. The key ID "
            "starts with {keyid}.",
            "Laptop boots to a blue BitLocker recovery screen asking for a 48-digit key. Can you give me the recovery "
            "key? Key ID {keyid}.",
            "I need the BitLocker recovery key for my {laptop}, it won't start Windows without it.",
        ],
        request=True,
        keyid=["3F2A1C", "8B41D0", "C07E92", "51DA6F", "A9E310"],
    ),
    situation(
        "acc-pw-shared-account",
        "Password Reset",
        "mt",
        "Password reset requested for the shared {acct} account",
        ["reset shared account password", "{acct} account password", "shared login password reset"],
        [
            "Could you reset the password of the shared {acct} account? The person who knew it has left the company.",
            "We need a new password for the {acct} login, the current one was written on a sticky note and we want it "
            "changed.",
            "Please reset the password for our shared {acct} account and send it to me as the team lead.",
        ],
        request=True,
        group="Identity & Access Management",
        acct=["reception kiosk", "warehouse scanner", "meeting room PC", "training lab", "shop floor terminal"],
    ),
    situation(
        "acc-pw-reset-mail-missing",
        "Password Reset",
        "u",
        "Password reset email never arrives",
        ["no password reset email", "reset link not arriving", "reset link expired"],
        [
            "I clicked 'forgot password' three times and the reset email never arrives, not even in junk.",
            "The password reset link I get has already expired when I open it, even straight away.",
            "I requested a password reset for {app} but the email with the link doesn't come through.",
        ],
        error=[
            "The link has expired. Please request a new password reset.",
            "This reset link is invalid or has already been used.",
        ],
    ),
    situation(
        "acc-pw-change-howto",
        "Password Reset",
        "m",
        "User asks how to change their password before it expires",
        ["how do i change my password", "password expiring soon", "change password how"],
        [
            "I got a notification that my password expires in 3 days. How do I change it from my laptop?",
            "Quick question: how can I change my password myself? I keep getting the 'expires soon' reminder.",
            "My password is about to expire and I'm not sure how to change it on a Mac. Is there a guide?",
        ],
        request=True,
    ),
    # ---- Account Lockout
    situation(
        "acc-lock-repeated",
        "Account Lockout",
        "ut",
        "Account keeps locking out repeatedly",
        ["account locked again", "keep getting locked out", "locked out every morning"],
        [
            "My account gets locked every morning around 9 and I have to call you to unlock it. This is the third day "
            "in a row.",
            "I keep getting locked out of my account even though I'm typing the right password. It unlocks and then "
            "locks again an hour later.",
            "Something keeps locking my account. You unlock it, it works for a while, then it's locked again.",
        ],
        group="Identity & Access Management",
        error=[
            "The referenced account is currently locked out and may not be logged on to.",
            "Event ID 4740: A user account was locked out.\nCaller Computer Name: LAPTOP-7QK2M",
        ],
    ),
    situation(
        "acc-lock-after-change",
        "Account Lockout",
        "u",
        "Account locked out after a password change",
        ["locked out after password change", "account locked", "my account is locked"],
        [
            "I changed my password yesterday and now my account is locked. I think an old device still has the old "
            "password.",
            "After resetting my password I got locked out. It says the account is currently locked out and may not be "
            "logged on to.",
            "My account got locked right after I changed my password this morning. Can you unlock it?",
        ],
        error=[
            "The referenced account is currently locked out and may not be logged on to.",
        ],
    ),
    situation(
        "acc-lock-business-app",
        "Account Lockout",
        "u",
        "User locked out of {app} after too many login attempts",
        ["locked out of {app}", "{app} account locked", "{app} user locked"],
        [
            "I'm locked out of {app} after entering the wrong password too many times. Can you unlock my user?",
            "{app} says my user is locked. I need it unlocked to post invoices.",
            "My {app} account got locked this morning, I think I used my old password by mistake.",
        ],
        app=["SAP", "Oracle EBS", "Workday", "NetSuite", "Dynamics 365", "Salesforce"],
        error=[
            "User is locked. Contact your system administrator.",
            "Password logon no longer possible - too many failed attempts",
        ],
    ),
    situation(
        "acc-lock-disabled-leave",
        "Account Lockout",
        "u",
        "Account disabled during long leave needs re-enabling",
        ["account disabled after leave", "re-enable my account", "account disabled"],
        [
            "I'm back from parental leave and my account has been disabled. Can you re-enable it?",
            "I've been on long-term sick leave and now I can't log in, it says my account is disabled.",
            "My account was deactivated while I was on sabbatical. My manager {manager} can confirm I'm back as of "
            "today.",
        ],
        request=True,
        group="Identity & Access Management",
    ),
    situation(
        "acc-lock-contractor-expired",
        "Account Lockout",
        "ut",
        "Contractor account expired and needs an extension",
        ["contractor account expired", "extend contractor account", "consultant cant log in"],
        [
            "The account of our contractor {person} expired yesterday and they can't log in. The contract was "
            "extended until the end of the year.",
            "Please extend the account expiry for our external consultant {person}, it ran out on Friday.",
            "Our freelancer's login stopped working because the account end date passed. We need it extended by three "
            "months.",
        ],
        request=True,
        group="Identity & Access Management",
    ),
    situation(
        "acc-lock-shared-scanner",
        "Account Lockout",
        "t",
        "Shared warehouse scanner account is locked out",
        ["scanner account locked", "warehouse login locked", "handheld login locked"],
        [
            "The shared login we use on the warehouse scanners is locked, so none of the handhelds can log in.",
            "Our shift account for the handheld scanners got locked out, the pickers can't scan anything.",
            "The generic warehouse account is locked again, every scanner at {site} shows 'account locked'.",
        ],
        group="Identity & Access Management",
        dept=["Logistics", "Operations", "Warehouse", "Dispatch", "Goods-in"],
        error=[
            "Account locked. Contact supervisor.",
            "Login failed: user account is locked",
        ],
    ),
    situation(
        "acc-lock-vpn",
        "Account Lockout",
        "u",
        "User locked out of the VPN login after failed attempts",
        ["vpn account locked", "locked out vpn", "vpn says account locked"],
        [
            "I typed my password wrong a few times on the VPN and now it says my account is locked.",
            "The VPN login says too many failed attempts and my account is locked for 30 minutes, but it's been two "
            "hours.",
            "I'm locked out: {vpn} says the account is locked after my failed logins this morning.",
        ],
        error=[
            "Login failed. Your account has been locked.",
            "Authentication failed: account locked out",
        ],
    ),
    situation(
        "acc-lock-laptop-remote",
        "Account Lockout",
        "u",
        "User locked out of their laptop while working remotely",
        ["locked out of laptop", "laptop says account locked", "cant log in locked"],
        [
            "My laptop says the account is locked and I'm working from home, so I can't even get on the VPN.",
            "I'm locked out of Windows on my laptop. I'm at home today and need to get in to work.",
            "The login screen on my {laptop} says my account is locked out. I'm not in the office.",
        ],
        error=[
            "The referenced account is currently locked out and may not be logged on to.",
        ],
    ),
    situation(
        "acc-lock-service-account",
        "Account Lockout",
        "to",
        "Service account {svc} keeps locking out and jobs fail",
        ["{svc} locked out", "service account locked", "{svc} locked again"],
        [
            "The service account {svc} keeps getting locked out, and every time it does the scheduled jobs fail.",
            "{svc} is locked again. Someone probably changed the password in one place and not the others.",
            "Our integration stopped because the service account {svc} is locked out.",
        ],
        group="Identity & Access Management",
        voice="system",
        svc=["svc_backup", "svc_sqlagent", "svc_reporting", "svc_sftp", "svc_erp_batch"],
        error=[
            "Logon failure: the user account {svc} is locked out.",
            "Event ID 4740: A user account was locked out.\nAccount Name: {svc}\nCaller Computer Name: {server}",
            "The service did not start due to a logon failure.",
        ],
    ),
    situation(
        "acc-lock-mac",
        "Account Lockout",
        "u",
        "User locked out of their Mac after a password mismatch",
        ["locked out of my mac", "mac wont accept password", "mac account locked"],
        [
            "My MacBook won't accept my password any more after I changed it on my Windows PC, and now it says the "
            "account is locked.",
            "I'm locked out of my Mac. The login screen shakes and says too many attempts, try again later.",
            "My Mac locked me out after the password change, the old and new passwords are both refused.",
        ],
        error=[
            "Too many attempts. Try again in 1 hour.",
            "Your account is locked.",
        ],
    ),
    situation(
        "acc-lock-web-portal",
        "Account Lockout",
        "mu",
        "User locked out of {portal}",
        ["locked out of {portal}", "{portal} account locked", "cant log into {portal}"],
        [
            "I'm locked out of {portal}. It says the account is locked for security reasons and to contact IT.",
            "I can't log in to {portal}, it keeps saying my account has been locked after too many attempts.",
            "{portal} has locked my account. I need to submit something there this week.",
        ],
        portal=["the HR portal", "the expenses tool", "the benefits portal", "the travel booking site"],
        error=[
            "Your account has been locked for security reasons. Please contact IT.",
            "Account locked after 5 unsuccessful attempts.",
        ],
    ),
    # ---- Permission Request
    situation(
        "acc-perm-share",
        "Permission Request",
        "mut",
        "Access requested to the {share} shared folder",
        ["need access to {share}", "access to shared folder", "folder access request"],
        [
            "Could I get read and write access to {share}? My manager {manager} has approved it.",
            "I need access to {share} for the month-end work, I don't have it yet.",
            "Please give me access to {share}, I've joined the project team and need the files there.",
        ],
        request=True,
    ),
    situation(
        "acc-perm-sharepoint",
        "Permission Request",
        "mu",
        "Access requested to {sharepoint}",
        ["access to {sharepoint}", "sharepoint access", "need edit rights sharepoint"],
        [
            "Can you add me to {sharepoint}? I get a 'request access' page when I open the link.",
            "I need edit rights on {sharepoint} to upload the new documents.",
            "Please grant me access to {sharepoint}. I'm covering for {person} while they are on leave.",
        ],
        request=True,
    ),
    situation(
        "acc-perm-local-admin",
        "Permission Request",
        "mu",
        "Local admin rights requested on a laptop",
        ["need admin rights", "local admin request", "admin rights on my laptop"],
        [
            "I'm a developer and need local admin rights on my laptop to install and debug tools.",
            "Could I get temporary admin rights on my machine? I need to install drivers for a lab instrument.",
            "Requesting local administrator access on my laptop ({asset}) for the next two weeks for a migration "
            "project.",
        ],
        request=True,
    ),
    situation(
        "acc-perm-app-role",
        "Permission Request",
        "mu",
        "Role change requested in {app}",
        ["{app} role change", "need approver role in {app}", "more permissions in {app}"],
        [
            "I've been promoted to team lead and need the approver role in {app}.",
            "Please add the purchasing role to my {app} user, I now raise purchase orders for the team.",
            "I need additional permissions in {app} to run the monthly reports, at the moment the menu is greyed out.",
        ],
        request=True,
        app=["SAP", "Salesforce", "Workday", "Dynamics 365", "NetSuite", "Coupa"],
    ),
    situation(
        "acc-perm-lost-access",
        "Permission Request",
        "ut",
        "User lost access to a folder they could open before",
        ["access denied on folder", "lost access to {share}", "no permission anymore"],
        [
            "Since {since} I get 'access denied' on {share}, which I've used every day for years.",
            "All of a sudden I can't open {share} any more, it says I don't have permission. Nothing changed on my "
            "side.",
            "My access to {share} seems to have disappeared, I think someone changed the group membership.",
        ],
        error=[
            "Windows cannot access {share}. You do not have permission to access it.",
            "Access is denied.",
        ],
    ),
    situation(
        "acc-perm-new-starter",
        "Permission Request",
        "ut",
        "Accounts and access needed for a new starter in {dept}",
        ["new starter access", "accounts for new joiner", "new joiner setup"],
        [
            "We have a new starter, {person}, joining {dept} on {weekday}. Please set up their account, email and the "
            "same access as {manager}.",
            "Please create accounts for a new team member starting next week: {person}, {dept}, based in {site}.",
            "New joiner in {dept}: needs a network login, a mailbox and access to {app} and {share}.",
        ],
        request=True,
    ),
    situation(
        "acc-perm-leaver",
        "Permission Request",
        "mu",
        "Access removal requested for a leaver",
        ["leaver remove access", "disable account of leaver", "revoke access leaver"],
        [
            "{person} leaves the company on {day}. Please disable their account and remove access to {app} after that.",
            "Please remove all access for our leaver {person} ({dept}) as of today and forward their mail to me.",
            "An employee in my team has resigned, last day is {day}. Can you make sure their access is revoked?",
        ],
        request=True,
    ),
    situation(
        "acc-perm-powerbi-workspace",
        "Permission Request",
        "mu",
        "Access requested to the {ws} Power BI workspace",
        ["power bi workspace access", "access to {ws} dashboard", "add me to power bi workspace"],
        [
            "Could you give me viewer access to the {ws} workspace in Power BI?",
            "I need to be added as a contributor to the {ws} Power BI workspace to publish my reports.",
            "I can't see the {ws} dashboards that my team uses. Can I get access to that workspace?",
        ],
        request=True,
        ws=["Sales Performance", "Finance KPIs", "Supply Chain", "HR Analytics", "Customer Service"],
    ),
    situation(
        "acc-perm-role-move",
        "Permission Request",
        "mu",
        "Access change needed after a move to the {newteam} team",
        ["changed team need new access", "access for new role", "move to {newteam} access"],
        [
            "I'm moving from {oldteam} to the {newteam} team. Please give me the {newteam} access and remove my old "
            "{oldteam} permissions.",
            "I've changed roles and now work in {newteam}. My access still reflects my old job in {oldteam}, can you "
            "update it?",
            "Internal transfer: I joined {newteam} from {oldteam} this week and can't open any of the {newteam} "
            "folders yet.",
        ],
        request=True,
        newteam=["Finance", "HR", "Legal", "Procurement", "Engineering"],
        oldteam=["Sales", "Marketing", "Customer Service", "Logistics"],
    ),
    situation(
        "acc-perm-project-tool",
        "Permission Request",
        "m",
        "Access requested to the {project} project in {tool}",
        ["add me to {project} in {tool}", "{tool} access", "{tool} project access"],
        [
            "Please add me to the {project} project in {tool}, I've joined the team this week.",
            "Can I get access to the {project} space in {tool}? I'm the new business analyst.",
            "I need edit access to the {project} board in {tool} to update my tasks.",
        ],
        request=True,
        group="Service Desk",
        tool=["Jira", "Confluence", "Miro", "Smartsheet", "Asana"],
        project=["Phoenix", "Atlas", "Orion", "Nova", "Helios"],
    ),
    situation(
        "acc-perm-group-owner",
        "Permission Request",
        "m",
        "Ownership of an access group requested",
        ["make me group owner", "access group owner left", "change group owner"],
        [
            "The owner of the access group for {share} has left. Can you make me the owner so I can approve requests?",
            "Please transfer ownership of the {dept} access group to me, the previous manager moved on.",
            "Nobody can approve access requests for {share} because the group owner left. I'm the new team lead.",
        ],
        request=True,
    ),
    # ---- MFA & SSO
    situation(
        "acc-mfa-new-phone",
        "MFA & SSO",
        "u",
        "User cannot approve MFA after moving to a new phone",
        ["new phone mfa not working", "authenticator on new phone", "mfa new phone"],
        [
            "I got a new {phone} and didn't move the Authenticator app. Now I can't approve sign-ins.",
            "I switched phones at the weekend and now the MFA prompts go to the old phone, which I already wiped.",
            "Traded in my old phone and lost the authenticator with it. I can't sign in to anything that needs MFA.",
        ],
        error=[
            "We didn't hear from you. We sent a notification to your mobile device but didn't receive a response.",
            "Approve sign-in request. Open your Authenticator app and enter the number shown to sign in.",
        ],
    ),
    situation(
        "acc-mfa-no-push",
        "MFA & SSO",
        "um",
        "MFA push notifications are not arriving",
        ["mfa push not coming", "no authenticator notification", "mfa not working"],
        [
            "I'm not getting the Authenticator push notification when I sign in, it just times out.",
            "The sign-in request never shows up on my phone, so I can't complete the login.",
            "MFA approval notifications stopped arriving on my {phone}. I have to open the app and refresh it every "
            "time.",
        ],
        error=[
            "We didn't hear from you. We sent a notification to your mobile device but didn't receive a response.",
            "Request timed out",
        ],
    ),
    situation(
        "acc-mfa-sms",
        "MFA & SSO",
        "u",
        "MFA text message codes are not arriving",
        ["no sms code", "verification code not arriving", "mfa text not received"],
        [
            "I'm not receiving the SMS verification code when I log in. My number ends in {digits}.",
            "The text message with the sign-in code never comes, I've tried 'resend' several times.",
            "It says 'we couldn't send a verification code' when I try to log in, and no text arrives.",
        ],
        digits=["412", "871", "090", "337", "562"],
        error=[
            "We couldn't send a verification code. Try again later.",
            "We didn't receive the code. Please try again.",
        ],
    ),
    situation(
        "acc-mfa-no-phone",
        "MFA & SSO",
        "u",
        "User without their phone needs a temporary MFA access pass",
        ["left phone at home mfa", "need temporary access pass", "phone broken cant do mfa"],
        [
            "I left my phone at home and can't do the MFA. Can you give me a temporary access pass for today?",
            "My phone broke and the authenticator with it. I need a way to sign in until the new one arrives.",
            "My phone is being repaired so I can't approve sign-ins. Is there another way to log in this week?",
        ],
    ),
    situation(
        "acc-sso-loop",
        "MFA & SSO",
        "ut",
        "SSO login to {app} loops back to the sign-in page",
        ["{app} login loop", "sso redirect loop", "cant get into {app} sso"],
        [
            "When I open {app} it goes to the company login, then back to {app}, then to the login again, forever.",
            "Single sign-on to {app} is stuck in a redirect loop, {browser} ends up saying too many redirects.",
            "I can't get into {app}: after signing in it just bounces me back to the company login page.",
        ],
        error=[
            "Too many redirects.",
            "ERR_TOO_MANY_REDIRECTS",
            "This page isn't working: redirected you too many times.",
        ],
    ),
    situation(
        "acc-sso-new-app",
        "MFA & SSO",
        "mu",
        "Request to set up single sign-on for {saas}",
        ["sso for {saas}", "set up sso", "{saas} single sign-on"],
        [
            "We bought {saas} for the {dept} team and would like people to log in with their company account. Can you "
            "set up SSO?",
            "Please integrate {saas} with our single sign-on, the vendor has sent the SAML metadata.",
            "Could {saas} be added to the company login so we don't need separate passwords?",
        ],
        request=True,
        saas=["Miro", "Slack", "Zoom", "Smartsheet", "DocuSign", "Lucidchart", "Figma"],
    ),
    situation(
        "acc-sso-not-assigned",
        "MFA & SSO",
        "u",
        "User not assigned to {app} in single sign-on",
        ["not assigned to {app}", "{app} sso error", "cant open {app}"],
        [
            "When I try to open {app} I get 'AADSTS50105: The signed in user is not assigned to a role for the "
            "application'.",
            "{app} login says I'm not assigned to the application, but my colleagues can get in.",
            "Sign-in to {app} fails with an error saying my user isn't assigned. I'm new in {dept}.",
        ],
        error=[
            "AADSTS50105: The signed in user is not assigned to a role for the application.",
        ],
    ),
    situation(
        "acc-mfa-security-key",
        "MFA & SSO",
        "mu",
        "Replacement hardware security key requested",
        ["yubikey broken", "new security key", "lost my yubikey"],
        [
            "My YubiKey stopped working, the light doesn't come on any more. Can I get a replacement?",
            "I lost my hardware security key on the train. Please disable it and send me a new one.",
            "The security key I use for signing in is cracked and only works sometimes. Can I have a new one?",
        ],
        request=True,
    ),
    situation(
        "acc-mfa-too-many-prompts",
        "MFA & SSO",
        "mu",
        "MFA prompts appear far too often on a trusted device",
        ["too many mfa prompts", "mfa every hour", "keeps asking for mfa"],
        [
            "I'm asked for MFA every hour on my own laptop, even though I tick 'don't ask again'.",
            "The Authenticator prompts me several times a day for the same apps. Is that normal?",
            "Every time I open {app} I have to approve a sign-in again, even on the office network.",
        ],
        error=[
            "Approve sign-in request",
            "Verify your identity",
        ],
    ),
    situation(
        "acc-sso-cert-expired",
        "MFA & SSO",
        "o",
        "Single sign-on to {app} failing for all users",
        ["{app} sso down", "saml error {app}", "nobody can log into {app}"],
        [
            "Nobody can log in to {app} via SSO since {since}, the error mentions SAML signature validation failed. "
            "Probably a certificate expired.",
            "All users get a SAML error when opening {app}. It looks like the SSO certificate has expired.",
            "Single sign-on to {app} is broken for the whole company, everyone gets the same sign-in error.",
        ],
        error=[
            "SAML response signature validation failed.",
            "AADSTS500133: Assertion is not within its valid time range.",
            "Invalid SAML response: certificate expired",
        ],
    ),
    situation(
        "acc-mfa-setup-help",
        "MFA & SSO",
        "m",
        "User needs help setting up MFA on their phone",
        ["how to set up mfa", "mfa setup help", "register authenticator"],
        [
            "I've been asked to set up multi-factor authentication but I don't understand the instructions. Can "
            "someone walk me through it?",
            "How do I register the Authenticator app on my {phone}? I got the enrolment email today.",
            "I need to enrol in MFA before {day} according to the email. Where do I start?",
        ],
        request=True,
        group="Service Desk",
    ),
]

HARDWARE = [
    # ---- Laptop
    situation(
        "hw-lap-no-power",
        "Laptop",
        "u",
        "Laptop will not power on",
        ["laptop wont turn on", "laptop dead", "laptop not starting"],
        [
            "My {laptop} won't turn on at all. No lights, nothing, even when plugged in.",
            "Laptop is dead this morning. I press the power button and nothing happens, the charging light doesn't "
            "come on either.",
            "My laptop died during a call and won't start again, not even with the charger.",
        ],
    ),
    situation(
        "hw-lap-battery",
        "Laptop",
        "mu",
        "Laptop battery drains quickly and no longer charges properly",
        ["laptop battery not charging", "battery drains fast", "battery issue laptop"],
        [
            "The battery on my {laptop} goes from 100% to 10% in about an hour.",
            "My laptop says 'plugged in, not charging' and the battery keeps dropping.",
            "The laptop only works when it's plugged in now, the battery shows 0% all the time.",
        ],
        error=[
            "Plugged in, not charging",
            "Consider replacing your battery",
            "Service battery",
        ],
    ),
    situation(
        "hw-lap-refresh",
        "Laptop",
        "mu",
        "New laptop requested to replace an old one",
        ["need a new laptop", "laptop replacement", "laptop refresh request"],
        [
            "My laptop is over five years old and very slow. Can I get a replacement?",
            "I'd like to request a new laptop, mine is out of warranty and the hinge is loose.",
            "Requesting a laptop refresh, my {laptop} is on the replacement list according to my manager.",
        ],
        request=True,
    ),
    situation(
        "hw-lap-screen-cracked",
        "Laptop",
        "u",
        "Laptop screen cracked after a drop",
        ["laptop screen cracked", "broken laptop screen", "dropped my laptop"],
        [
            "I dropped my laptop and the screen is cracked, half of it is black.",
            "The screen of my {laptop} got cracked in my bag. I can only use it with an external monitor.",
            "There's a crack across my laptop display and lines all over the picture.",
        ],
    ),
    situation(
        "hw-lap-overheat",
        "Laptop",
        "um",
        "Laptop overheats and shuts down",
        ["laptop overheating", "laptop shuts down hot", "laptop fan loud and hot"],
        [
            "My laptop gets really hot and switches itself off, usually when I'm on a video call.",
            "The fan on my {laptop} is constantly loud and it shuts down with 'the system has been shut down to "
            "prevent overheating'.",
            "Laptop is burning hot underneath and turns off after about 30 minutes.",
        ],
        error=[
            "The system has been shut down to prevent overheating.",
            "CPU fan error. Press F1 to continue",
            "Thermal event: system shutdown",
        ],
    ),
    situation(
        "hw-lap-keyboard",
        "Laptop",
        "um",
        "Laptop keyboard keys not working",
        ["laptop keys not working", "keyboard broken on laptop", "spilled coffee on laptop"],
        [
            "Several keys on my laptop keyboard stopped working (E, R and the space bar).",
            "I spilled coffee on my laptop keyboard and now some keys type the wrong letters.",
            "The keyboard on my {laptop} types double letters all the time.",
        ],
    ),
    situation(
        "hw-lap-blue-screen",
        "Laptop",
        "u",
        "Laptop crashes with a blue screen",
        ["blue screen laptop", "bsod again", "laptop keeps crashing"],
        [
            "My laptop keeps crashing with a blue screen, stop code {stopcode}.",
            "Blue screen three times today on my {laptop}, it restarts on its own and I lose my work.",
            "The laptop crashed to a blue screen with {stopcode} again, it's getting worse every day.",
        ],
        stopcode=[
            "WHEA_UNCORRECTABLE_ERROR",
            "KERNEL_DATA_INPAGE_ERROR",
            "IRQL_NOT_LESS_OR_EQUAL",
            "CRITICAL_PROCESS_DIED",
        ],
        error=[
            "Your device ran into a problem and needs to restart. Stop code: {stopcode}",
            "Stop code: {stopcode}",
        ],
    ),
    situation(
        "hw-lap-new-starter",
        "Laptop",
        "u",
        "Laptop needed for a new starter",
        ["laptop for new starter", "new joiner needs laptop", "order laptop new hire"],
        [
            "We have a new starter in {dept} on {weekday}, {person}. Please prepare a laptop with the standard "
            "software.",
            "Can you order a laptop for our new colleague who joins next week? Standard spec is fine.",
            "New hire {person} has no laptop yet. They start in the {site} office soon.",
        ],
        request=True,
    ),
    situation(
        "hw-lap-hinge",
        "Laptop",
        "mu",
        "Laptop hinge broken",
        ["laptop hinge broken", "laptop lid loose", "screen wobbles"],
        [
            "The hinge of my laptop broke, the screen wobbles and won't stay open.",
            "My laptop lid is coming apart at the hinge. It still works but I'm afraid it will snap.",
            "One of the hinges on my {laptop} cracked and the case is opening up.",
        ],
    ),
    situation(
        "hw-lap-memory-upgrade",
        "Laptop",
        "m",
        "Memory upgrade requested for a laptop",
        ["more ram for laptop", "memory upgrade", "laptop needs more ram"],
        [
            "Could my laptop get a RAM upgrade? 8 GB isn't enough for the data models I run.",
            "Requesting more memory for my {laptop}, it freezes whenever I have {office_app} and Teams open.",
            "Is it possible to upgrade the memory in my laptop to 32 GB? I work with large files.",
        ],
        request=True,
    ),
    situation(
        "hw-lap-touchpad",
        "Laptop",
        "mu",
        "Laptop touchpad not responding",
        ["touchpad not working", "trackpad broken", "laptop mouse pad dead"],
        [
            "The touchpad on my laptop stopped responding. A USB mouse works.",
            "My {laptop} touchpad jumps around and clicks by itself.",
            "The trackpad on my laptop doesn't react at all since {since}.",
        ],
    ),
    situation(
        "hw-lap-no-boot",
        "Laptop",
        "u",
        "Laptop stuck at boot with no bootable device",
        ["laptop wont boot", "no bootable device", "laptop boot loop"],
        [
            "My laptop starts but says 'No bootable device' and stops there.",
            "Laptop won't get past the logo screen, it just restarts in a loop.",
            "My {laptop} switches on but never loads Windows, it goes straight to a black screen with a boot error.",
        ],
        error=[
            "No bootable device -- insert boot disk and press any key",
            "Preparing Automatic Repair",
            "Your PC did not start correctly",
        ],
    ),
    # ---- Desktop
    situation(
        "hw-desk-no-power",
        "Desktop",
        "u",
        "Desktop PC will not power on",
        ["pc wont turn on", "desktop dead", "computer no power"],
        [
            "My desktop PC won't switch on, the power button does nothing.",
            "The PC under my desk has no power since the cleaners were in last night.",
            "My {desktop} is completely dead this morning, no lights and no fan.",
        ],
    ),
    situation(
        "hw-desk-fan-noise",
        "Desktop",
        "m",
        "Desktop PC fan is very loud",
        ["pc fan noisy", "computer making noise", "loud pc"],
        [
            "My desktop is making a loud grinding noise from the fan.",
            "The fan in my PC rattles constantly, you can hear it across the room.",
            "My computer under the desk started whining really loudly. It still works.",
        ],
        error=[
            "Alert! Previous fan failure.",
            "CPU fan error. Press F1 to continue",
        ],
    ),
    situation(
        "hw-desk-move",
        "Desktop",
        "m",
        "Desktop PC needs moving to a new desk",
        ["move my pc", "desk move", "relocate workstation"],
        [
            "I'm moving to a new desk on the {floor} floor. Could someone move my PC and monitors?",
            "Please move my workstation from desk 4.12 to 3.07 on {weekday}.",
            "Our team is changing seats. Can IT move my desktop and phone to the new desk?",
        ],
        request=True,
        group="Service Desk",
    ),
    situation(
        "hw-desk-random-restarts",
        "Desktop",
        "u",
        "Desktop PC restarts randomly",
        ["pc keeps restarting", "computer reboots by itself", "desktop restarts"],
        [
            "My PC restarts on its own several times a day with no warning.",
            "The desktop keeps rebooting in the middle of my work and I lose whatever I was doing.",
            "My {desktop} switches off and restarts randomly, sometimes twice an hour.",
        ],
        error=[
            "Event 41, Kernel-Power: The system has rebooted without cleanly shutting down first.",
            "Event 6008: The previous system shutdown was unexpected.",
        ],
    ),
    situation(
        "hw-desk-no-display",
        "Desktop",
        "u",
        "Desktop PC shows no display signal",
        ["pc no signal", "no display from pc", "screens black pc on"],
        [
            "My monitors say 'No signal' when I switch on the PC, the PC lights are on though.",
            "The PC powers up but nothing appears on screen.",
            "My desktop seems to start, fans spinning, but both screens stay black.",
        ],
        error=[
            "No signal",
            "No DisplayPort signal from your device",
        ],
    ),
    situation(
        "hw-desk-workstation",
        "Desktop",
        "mu",
        "High-spec workstation requested for CAD work",
        ["need cad workstation", "workstation request", "pc too slow for cad"],
        [
            "I need a workstation with a proper graphics card for CAD and rendering. My current PC can't handle the "
            "models.",
            "Requesting a {desktop} for the new 3D design work, the standard PC is too slow.",
            "Could engineering get a high-spec desktop for simulations? The current one runs out of memory.",
        ],
        request=True,
        desktop=["HP Z4 workstation", "Dell Precision 3660", "Lenovo ThinkStation P360"],
    ),
    situation(
        "hw-desk-usb-ports",
        "Desktop",
        "mu",
        "Desktop USB ports not working",
        ["usb ports not working", "pc usb dead", "front usb broken"],
        [
            "None of the front USB ports on my PC work any more.",
            "My desktop doesn't recognise anything I plug into the USB ports, only the keyboard at the back works.",
            "The USB ports on my {desktop} stopped working, my headset and memory stick aren't detected.",
        ],
        error=[
            "USB device not recognized",
            "Power surge on the USB port",
        ],
    ),
    situation(
        "hw-desk-beeps",
        "Desktop",
        "u",
        "Desktop PC beeps on startup and does not boot",
        ["pc beeping", "computer beeps wont start", "beep codes"],
        [
            "My PC gives three long beeps when I turn it on and doesn't start.",
            "The computer under my desk beeps repeatedly and shows nothing on screen.",
            "Desktop beeps on power-up and stops. It was fine yesterday.",
        ],
        error=[
            "POST error: memory not detected",
            "CMOS checksum error - defaults loaded",
        ],
    ),
    situation(
        "hw-desk-reception-freeze",
        "Desktop",
        "ut",
        "Reception desktop PC keeps freezing",
        ["reception pc frozen", "front desk computer freezing", "reception pc stuck"],
        [
            "The reception PC has frozen on a black screen and visitors can't be signed in.",
            "The front desk computer at {site} keeps freezing, we can't print visitor badges.",
            "Our reception desktop locks up every hour and has to be switched off at the button.",
        ],
        error=[
            "Application not responding",
            "Display driver stopped responding and has recovered",
        ],
    ),
    situation(
        "hw-desk-touchscreen",
        "Desktop",
        "ut",
        "Shop-floor PC touchscreen not responding",
        ["touchscreen not working", "shop floor pc screen dead", "terminal touch broken"],
        [
            "The touchscreen PC on the production line doesn't react to touch any more, we have to use a keyboard.",
            "Our shop floor terminal at {site} is unresponsive to touch.",
            "The touch panel on the packing station PC only reacts in one corner.",
        ],
        dept=["Production", "Operations", "Packing", "Quality"],
    ),
    situation(
        "hw-desk-burning-smell",
        "Desktop",
        "u",
        "Burning smell coming from a desktop PC",
        ["pc smells burning", "burning smell computer", "pc popped"],
        [
            "There's a burning smell coming from my PC and it switched off. I've unplugged it.",
            "My computer made a pop and now smells burnt.",
            "Smoke smell from the power supply of my desktop, I switched it off at the wall.",
        ],
    ),
    situation(
        "hw-desk-slow-start",
        "Desktop",
        "mu",
        "Desktop PC extremely slow to start and respond",
        ["pc very slow", "computer slow to start", "desktop slow"],
        [
            "My PC takes 15 minutes to start in the morning.",
            "My {desktop} is extremely slow, even opening File Explorer takes ages.",
            "The desktop is so slow that typing lags behind by several seconds.",
        ],
        error=[
            "Disk usage 100% in Task Manager",
            "Event 100: Windows has started up. Boot duration: 612043 ms",
        ],
    ),
    # ---- Printer
    situation(
        "hw-prn-jam",
        "Printer",
        "mt",
        "Printer {printer_spot} keeps jamming",
        ["printer jammed", "paper jam again", "printer {printer_spot} jammed"],
        [
            "The printer {printer_spot} keeps jamming on every job, there's paper stuck in tray 2.",
            "Paper jam on the {printer} {printer_spot} again, I can't get the crumpled paper out.",
            "The printer {printer_spot} says paper jam but there's no paper anywhere that I can see.",
        ],
        group="Service Desk",
        error=[
            "13.A2.D2 Paper jam in tray 2",
            "Paper jam in the fuser area",
            "J0007 Paper jam - open front cover",
        ],
    ),
    situation(
        "hw-prn-offline",
        "Printer",
        "ut",
        "Printer shows as offline for users",
        ["printer offline", "cant print printer offline", "printer not responding"],
        [
            "The {printer} on the {floor} floor shows as offline on my laptop. Other printers work.",
            "I can't print to the printer {printer_spot}, it says 'Printer offline'.",
            "My print jobs go nowhere, the printer {printer_spot} appears as offline since {since}.",
        ],
        error=[
            "Printer offline",
            "Cannot connect to printer. Operation failed with error 0x0000011b.",
        ],
    ),
    situation(
        "hw-prn-toner",
        "Printer",
        "m",
        "Toner replacement requested for the printer {printer_spot}",
        ["printer out of toner", "toner needed", "need new toner"],
        [
            "The printer {printer_spot} is out of black toner. Can someone replace the cartridge?",
            "Toner low warning on the {printer}, please send a new cartridge.",
            "We need a new yellow toner for the colour printer {printer_spot}.",
        ],
        request=True,
        group="Service Desk",
    ),
    situation(
        "hw-prn-quality",
        "Printer",
        "m",
        "Printer prints streaks and faded pages",
        ["printer streaks", "faded prints", "print quality bad"],
        [
            "Everything from the printer {printer_spot} comes out with grey streaks down the page.",
            "Prints are very faded on the {printer}, you can hardly read them.",
            "The printer {printer_spot} leaves black smudges along the edge of every page.",
        ],
        error=[
            "Toner low. Replace the black cartridge.",
            "Replace imaging drum",
        ],
    ),
    situation(
        "hw-prn-add",
        "Printer",
        "m",
        "User needs a printer added to their laptop",
        ["add printer to laptop", "install printer", "cant find printer"],
        [
            "Can you add the {printer} {printer_spot} to my laptop? I can't find it in the list.",
            "I've moved to the {floor} floor. How do I install the printer here?",
            "Please map the printer {printer_spot} for me, it doesn't show up when I search.",
        ],
        request=True,
        group="Service Desk",
    ),
    situation(
        "hw-prn-scan-to-email",
        "Printer",
        "mt",
        "Scan to email not working on the multifunction printer",
        ["scan to email broken", "scanner not sending email", "cant scan to email"],
        [
            "Scan to email has stopped working on the {printer}, the scans never arrive.",
            "The multifunction printer {printer_spot} gives an error when I try to scan to my email.",
            "When I scan a document on the copier it says sent, but nothing arrives in my inbox.",
        ],
        error=[
            "Send failed: SMTP authentication error",
            "Scan to e-mail: connection to mail server failed (E-mail error 0x2)",
        ],
    ),
    situation(
        "hw-prn-badge-release",
        "Printer",
        "um",
        "Follow-me printing does not recognise the user's badge",
        ["printer doesnt recognise badge", "follow me print not working", "badge print release"],
        [
            "The follow-me printer doesn't recognise my badge any more, my print jobs just sit there.",
            "When I tap my card on the printer it says 'user unknown'.",
            "My badge doesn't release my print jobs on any printer since I got my new card.",
        ],
        error=[
            "Card not registered",
            "User unknown",
        ],
    ),
    situation(
        "hw-prn-label",
        "Printer",
        "to",
        "Warehouse label printer not printing shipping labels",
        ["label printer down", "shipping labels not printing", "zebra printer broken"],
        [
            "The Zebra label printer in the warehouse stopped printing shipping labels, orders can't go out.",
            "Our label printer at dispatch prints blank labels.",
            "The shipping label printer at {site} shows a red light and won't print anything.",
        ],
        dept=["Logistics", "Operations", "Warehouse", "Dispatch", "Goods-in"],
        error=[
            "Head open",
            "Ribbon out",
            "Media out",
        ],
    ),
    situation(
        "hw-prn-garbage",
        "Printer",
        "mu",
        "Printer prints pages of random characters",
        ["printer printing garbage", "random symbols printing", "printer prints nonsense"],
        [
            "When I print a PDF the printer spits out pages full of random symbols.",
            "The {printer} prints garbage characters instead of my document, dozens of pages.",
            "Every document I send comes out as pages of code and symbols.",
        ],
        error=[
            "PCL XL error: IllegalOperatorSequence",
            "PostScript error: undefined command",
        ],
    ),
    situation(
        "hw-prn-new",
        "Printer",
        "m",
        "New printer requested for an office area",
        ["need a printer for our area", "new printer request", "colour printer request"],
        [
            "Our team moved to the {floor} floor and there's no printer nearby. Can we get one?",
            "We'd like a colour printer for the {dept} area, we print a lot of customer material.",
            "Could we have a small printer in the {site} meeting area? People walk two floors to print.",
        ],
        request=True,
    ),
    situation(
        "hw-prn-queue-stuck",
        "Printer",
        "mt",
        "Print jobs stuck in the queue",
        ["print jobs stuck", "print queue stuck", "nothing printing"],
        [
            "My print jobs are stuck in the queue and won't delete.",
            "Nothing prints, the queue on my laptop shows 'Error - printing' for every document.",
            "Documents sit in the print queue forever and never come out of the {printer}.",
        ],
        error=[
            "Error - printing",
            "The print spooler service is not running.",
            "Deleting - Printing",
        ],
    ),
    # ---- Peripheral
    situation(
        "hw-per-headset",
        "Peripheral",
        "m",
        "Headset requested",
        ["need a headset", "headset broken", "new headset please"],
        [
            "Could I get a headset? I'm on calls most of the day and the laptop mic is poor.",
            "My headset broke, the cable is torn. Can I have a replacement?",
            "I'd like a wireless headset for calls, I move around the office a lot.",
        ],
        request=True,
        group="Service Desk",
    ),
    situation(
        "hw-per-dock",
        "Peripheral",
        "u",
        "Docking station does not detect external monitors",
        ["dock not working", "docking station no monitors", "monitors not detected dock"],
        [
            "When I plug my laptop into the docking station the monitors stay black.",
            "My dock stopped working: no monitors, no keyboard, no network through it.",
            "The USB-C dock doesn't detect my screens any more, only the laptop display works.",
        ],
        error=[
            "Dock firmware update failed",
            "USB-C device: limited functionality",
            "No DisplayPort signal",
        ],
    ),
    situation(
        "hw-per-monitor-flicker",
        "Peripheral",
        "m",
        "External monitor flickers",
        ["monitor flickering", "screen flickers", "second screen going black"],
        [
            "My {monitor} flickers every few seconds.",
            "The second screen keeps going black for a second and coming back.",
            "My monitor has started flickering and shows lines across the picture.",
        ],
    ),
    situation(
        "hw-per-keyboard-mouse",
        "Peripheral",
        "m",
        "Wireless keyboard and mouse not working",
        ["mouse not working", "keyboard not working", "wireless mouse dead"],
        [
            "My wireless keyboard and mouse stopped working, I changed the batteries already.",
            "The mouse cursor freezes every few seconds.",
            "My keyboard randomly stops typing and then works again after a minute.",
        ],
        group="Service Desk",
        error=[
            "Bluetooth device disconnected",
            "USB device not recognized",
        ],
    ),
    situation(
        "hw-per-webcam",
        "Peripheral",
        "mu",
        "Webcam not detected",
        ["webcam not working", "camera not detected", "no camera"],
        [
            "My webcam isn't detected in any app, not even the Windows Camera app.",
            "The external webcam shows a black image whatever I do.",
            "The camera on my {laptop} stopped working, the light doesn't come on.",
        ],
        error=[
            "We can't find your camera. Error code 0xA00F4244 (0xC00D36D5)",
            "No camera detected",
        ],
    ),
    situation(
        "hw-per-second-monitor",
        "Peripheral",
        "m",
        "Second monitor requested",
        ["need second monitor", "extra screen request", "another monitor please"],
        [
            "Could I get a second monitor? I work with large spreadsheets all day.",
            "Requesting an additional screen for my desk, the {dept} team all have two.",
            "Is it possible to get a bigger monitor? Mine is a small 19-inch one.",
        ],
        request=True,
        group="Service Desk",
    ),
    situation(
        "hw-per-adapter",
        "Peripheral",
        "m",
        "USB-C to HDMI adapter requested",
        ["need hdmi adapter", "usb c adapter", "adapter for projector"],
        [
            "I need a USB-C to HDMI adapter to present from my laptop in meeting rooms.",
            "Could you send me a USB-C to Ethernet adapter? My new laptop has no network port.",
            "I lost my display adapter. Can I get a new one?",
        ],
        request=True,
        group="Service Desk",
    ),
    situation(
        "hw-per-barcode-scanner",
        "Peripheral",
        "ut",
        "Barcode scanner not reading labels",
        ["barcode scanner not working", "scanner wont scan", "handheld scanner broken"],
        [
            "The USB barcode scanner at my packing desk stopped reading labels.",
            "Our barcode scanner at {site} beeps but nothing appears on screen.",
            "The scanner gun at goods-in doesn't scan any barcodes since {since}.",
        ],
        dept=["Logistics", "Operations", "Warehouse", "Dispatch", "Goods-in"],
    ),
    situation(
        "hw-per-smartcard-reader",
        "Peripheral",
        "u",
        "Smart card reader not recognised",
        ["card reader not working", "smart card reader not detected", "cant use smartcard"],
        [
            "My smart card reader isn't recognised any more, so I can't sign documents.",
            "The card reader on my keyboard says 'no card' even with my card inserted.",
            "Windows says 'USB device not recognized' when I plug in my smart card reader.",
        ],
        error=[
            "USB device not recognized",
            "The smart card cannot perform the requested operation.",
            "No valid certificates were found on this smart card.",
        ],
    ),
    situation(
        "hw-per-projector",
        "Peripheral",
        "mt",
        "Projector in {room} shows no signal from laptops",
        ["projector not working", "no signal projector", "cant present in {room}"],
        [
            "The projector in {room} shows 'no signal' when I connect my laptop with HDMI.",
            "Nobody can get the projector in {room} to work, the cable seems broken.",
            "The screen in {room} won't display anything from the HDMI cable.",
        ],
        error=[
            "No signal",
            "No input detected - HDMI 1",
        ],
    ),
    situation(
        "hw-per-ergonomic",
        "Peripheral",
        "m",
        "Ergonomic keyboard and mouse requested",
        ["ergonomic mouse request", "vertical mouse", "ergonomic keyboard"],
        [
            "My physio recommended a vertical mouse and an ergonomic keyboard. Can I order them?",
            "I'd like to request an ergonomic keyboard, I have wrist pain.",
            "Occupational health asked me to get a split keyboard and a vertical mouse.",
        ],
        request=True,
        group="Service Desk",
    ),
    # ---- Mobile Device
    situation(
        "hw-mob-new-phone",
        "Mobile Device",
        "mu",
        "Company mobile phone requested",
        ["need company phone", "mobile phone request", "work phone please"],
        [
            "I've started a field role and need a company mobile phone.",
            "Can I request a work phone? I'm on call every other week.",
            "Please order a company mobile for our new sales rep {person}.",
        ],
        request=True,
    ),
    situation(
        "hw-mob-enrol-fails",
        "Mobile Device",
        "u",
        "Phone fails to enrol in device management",
        ["phone wont enroll", "intune enrolment failed", "cant enroll phone"],
        [
            "I'm trying to enrol my {phone} in Company Portal but it fails with error 0x80180014.",
            "Intune enrolment on my new phone gets stuck at 'registering your device'.",
            "My work phone won't enrol, it says 'couldn't enroll your device'.",
        ],
        error=[
            "Couldn't enroll your device. Error code 0x80180014",
            "Something went wrong. Error 80180018",
        ],
    ),
    situation(
        "hw-mob-screen-broken",
        "Mobile Device",
        "u",
        "Company phone screen broken",
        ["phone screen cracked", "broken phone screen", "dropped my work phone"],
        [
            "I dropped my company {phone} and the screen is shattered, touch doesn't work.",
            "The screen of my work phone is cracked and now it's black.",
            "My work mobile fell and the display is broken. I can still take calls but can't read anything.",
        ],
    ),
    situation(
        "hw-mob-tablet-charging",
        "Mobile Device",
        "ut",
        "Warehouse tablets not charging in their docks",
        ["tablets not charging", "warehouse tablet charging", "charging dock broken"],
        [
            "The rugged tablets in the warehouse aren't charging in the docks overnight.",
            "Half of our handheld tablets at {site} start the shift with an empty battery.",
            "The charging cradle for the warehouse tablets doesn't charge any of them.",
        ],
        dept=["Logistics", "Operations", "Warehouse", "Dispatch", "Goods-in"],
    ),
    situation(
        "hw-mob-roaming",
        "Mobile Device",
        "u",
        "No mobile data on the company phone while abroad",
        ["no data abroad", "roaming not working", "phone no internet abroad"],
        [
            "I'm abroad for work and my company phone has no mobile data, calls work.",
            "Data roaming doesn't work on my work {phone} since I landed.",
            "My company SIM shows signal but no internet while I'm travelling.",
        ],
        group="Service Desk",
        error=[
            "No internet connection",
            "Mobile data is off while roaming",
        ],
    ),
    situation(
        "hw-mob-tablet-request",
        "Mobile Device",
        "m",
        "Tablet requested for work",
        ["need an ipad", "tablet request", "ipad for work"],
        [
            "Could I get an iPad for site visits? I take notes on paper at the moment.",
            "Requesting a tablet for the {dept} team to use in customer meetings.",
            "I'd like a work tablet to read and sign documents on the go.",
        ],
        request=True,
    ),
    situation(
        "hw-mob-apps-wont-install",
        "Mobile Device",
        "mu",
        "Company apps will not install on a mobile phone",
        ["apps wont install phone", "company portal app fails", "cant install work apps"],
        [
            "The work apps won't install on my phone from Company Portal, it says 'the app couldn't be installed'.",
            "Outlook and Teams stay on 'pending' in Company Portal on my {phone}.",
            "I can't install the company apps on my new phone, the download never starts.",
        ],
        error=[
            "The app couldn't be installed. Try again later.",
            "Unable to install app. Error code 0x87D1041C",
        ],
    ),
    situation(
        "hw-mob-battery-swollen",
        "Mobile Device",
        "u",
        "Company phone battery is swollen",
        ["phone battery swollen", "phone bulging", "battery swelling phone"],
        [
            "The back of my company phone is bulging, I think the battery is swollen.",
            "My work {phone} battery is swelling and the screen is lifting. Is it safe?",
            "The phone gets hot and the case has popped open at the side.",
        ],
    ),
    situation(
        "hw-mob-data-allowance",
        "Mobile Device",
        "m",
        "Higher mobile data allowance requested",
        ["more mobile data", "data limit increase", "hotspot data request"],
        [
            "I use my work phone as a hotspot when travelling and keep running out of data. Can the allowance be "
            "increased?",
            "Could my company SIM get a bigger data plan? I'm on the road most of the week.",
            "Please raise the data limit on my work phone, I got the 'data used up' text again.",
        ],
        request=True,
        group="Service Desk",
    ),
    situation(
        "hw-mob-upgrade",
        "Mobile Device",
        "m",
        "Phone upgrade requested",
        ["phone upgrade", "old phone replacement", "new phone model"],
        [
            "My company phone is four years old and no longer gets updates. Can I get an upgrade?",
            "Requesting an upgrade of my work {phone}, it's very slow and the battery is worn.",
            "Is my phone due for replacement? It can't install the latest company apps.",
        ],
        request=True,
    ),
    situation(
        "hw-mob-no-service",
        "Mobile Device",
        "u",
        "Company phone shows no service",
        ["phone no signal", "sim not working", "no service on work phone"],
        [
            "My work phone shows 'No service' and 'SIM not provisioned' since this morning.",
            "My company phone has no signal anywhere, personal phones next to it are fine.",
            "The SIM in my work {phone} stopped working, I can't call or receive calls.",
        ],
        error=[
            "SIM not provisioned MM#2",
            "No service",
            "No SIM card installed",
        ],
    ),
    situation(
        "hw-mob-noncompliant",
        "Mobile Device",
        "u",
        "Phone marked non-compliant and blocked from company apps",
        ["phone not compliant", "blocked from outlook on phone", "device compliance error"],
        [
            "My phone is marked as non-compliant and now I can't open work apps on it.",
            "Company Portal says my {phone} doesn't meet the compliance requirements, but it's up to date.",
            "I'm blocked from Teams and mail on my phone because of a compliance error.",
        ],
        error=[
            "This device doesn't meet your organisation's compliance requirements.",
            "You can't get there from here. This app can only be accessed from compliant devices.",
        ],
    ),
]

SOFTWARE = [
    # ---- Installation
    situation(
        "sw-inst-request",
        "Installation",
        "mu",
        "Installation of {install_app} requested",
        ["install {install_app}", "need {install_app} installed", "software install request"],
        [
            "Could you install {install_app} on my laptop please? I don't have admin rights.",
            "I need {install_app} for my work. It's not in the Software Center.",
            "Please install {install_app} on my machine, my manager {manager} approved it.",
        ],
        request=True,
    ),
    situation(
        "sw-inst-1603",
        "Installation",
        "u",
        "Software installation fails with error 1603",
        ["install fails 1603", "installation error", "cant install {install_app}"],
        [
            "Installing {install_app} from the Software Center fails with 'Error 1603: A fatal error occurred during "
            "installation'.",
            "Every time I try to install {install_app} it rolls back at the end with error 1603.",
            "The installer for {install_app} stops halfway with a fatal error.",
        ],
        error=[
            "Error 1603: A fatal error occurred during installation.",
            "MSI (s) (A4:2C) [10:12:44:517]: Product: {install_app} -- Installation failed.\n"
            "MSI (s) (A4:2C) [10:12:44:517]: Windows Installer installed the product. Error status: 1603.",
        ],
    ),
    situation(
        "sw-inst-portal-stuck",
        "Installation",
        "mu",
        "Application install stuck on 'installing' in Company Portal",
        ["install stuck", "company portal stuck installing", "software center stuck"],
        [
            "{install_app} has been stuck on 'Installing' in Company Portal for two days.",
            "The Software Center shows 'Downloading 0%' for {install_app} and never moves.",
            "I clicked install on {install_app} yesterday and it still says 'waiting to install'.",
        ],
        error=[
            "Installation failed (0x87D00607)",
            "Company Portal: Installation failed\n"
            "Error code: 0x87D1041C\n"
            "The application was not detected after installation completed successfully.",
        ],
    ),
    situation(
        "sw-inst-browser-extension",
        "Installation",
        "m",
        "Browser extension installation requested",
        ["install browser extension", "need {ext}", "extension blocked"],
        [
            "Can you allow the {ext} extension in {browser}? It's blocked by policy.",
            "I'd like to install {ext} in my browser for work, it says it's blocked by my administrator.",
            "Please add {ext} to the list of allowed browser extensions.",
        ],
        request=True,
        group="Service Desk",
        ext=["Grammarly", "the Salesforce extension", "LastPass", "the Jira extension", "the Zoom scheduler"],
    ),
    situation(
        "sw-inst-excel-addin",
        "Installation",
        "mu",
        "Excel add-in installation requested",
        ["excel add-in install", "need {addin}", "add-in for excel"],
        [
            "I need {addin} installed in Excel for the monthly reporting.",
            "Could you install {addin}? The finance team uses it and I've just joined.",
            "Please set up {addin} on my laptop, it's needed for budgeting.",
        ],
        request=True,
        group="Application Support",
        addin=["the SAP Analysis add-in", "Power Pivot", "the Bloomberg add-in", "the Jet Reports add-in"],
    ),
    situation(
        "sw-inst-conferencing",
        "Installation",
        "mu",
        "{conf} client needed for calls with external customers",
        ["install {conf}", "need {conf} client", "{conf} install"],
        [
            "A customer only uses {conf}. Can you install the {conf} client on my laptop?",
            "I need {conf} installed to join a supplier's calls, the browser version doesn't work well.",
            "Please install the {conf} desktop app, I have external calls all week.",
        ],
        request=True,
        conf=["Zoom", "Webex", "GoTo Meeting", "Google Meet"],
    ),
    situation(
        "sw-inst-pdf",
        "Installation",
        "m",
        "PDF editor installation requested",
        ["need pdf editor", "install acrobat", "pdf software"],
        [
            "I need to edit and combine PDFs. Could you install a PDF editor?",
            "Can I get Adobe Acrobat Reader installed? PDFs open in the browser and I can't sign them.",
            "Please install a PDF tool so I can fill in supplier forms.",
        ],
        request=True,
        group="Service Desk",
    ),
    situation(
        "sw-inst-uninstall",
        "Installation",
        "m",
        "Removal of old software requested",
        ["uninstall old software", "remove {install_app}", "uninstall request"],
        [
            "Please uninstall the old version of {install_app} from my laptop, I don't have rights to remove it.",
            "Can you remove {install_app}? I no longer need it and it starts with Windows.",
            "There's a trial of {install_app} on my machine that I'd like removed.",
        ],
        request=True,
    ),
    situation(
        "sw-inst-sap-gui",
        "Installation",
        "u",
        "SAP GUI installation requested",
        ["install sap gui", "need sap on laptop", "sap logon missing"],
        [
            "I've just been given SAP access but the SAP GUI isn't installed on my laptop.",
            "Please install SAP Logon on my new laptop, it was on my old one.",
            "I need the SAP GUI client installed to start my work in the finance team.",
        ],
        request=True,
        group="Application Support",
    ),
    situation(
        "sw-inst-cad",
        "Installation",
        "mu",
        "CAD software installation requested",
        ["install autocad", "need cad software", "solidworks install"],
        [
            "Please install {cad} on my workstation, I have a licence assigned.",
            "I need {cad} for the new project, can you push the install to my PC?",
            "Could {cad} be installed on the new design laptop for {person}?",
        ],
        request=True,
        cad=["AutoCAD", "SolidWorks", "Revit", "Fusion 360"],
    ),
    situation(
        "sw-inst-lab-driver",
        "Installation",
        "mu",
        "Driver software for lab equipment requested",
        ["install instrument software", "lab driver install", "need driver for device"],
        [
            "We got a new {instrument} in the lab and need its control software installed on the lab PC.",
            "Please install the vendor software for the {instrument}, it needs admin rights.",
            "The {instrument} software is missing on the new PC in the lab.",
        ],
        request=True,
        instrument=["spectrometer", "label designer", "microscope camera", "oscilloscope", "3D printer"],
    ),
    situation(
        "sw-inst-rebuild",
        "Installation",
        "u",
        "Laptop rebuild with a fresh Windows install requested",
        ["reinstall windows", "laptop rebuild", "reimage laptop"],
        [
            "My laptop is full of problems. Could you reinstall Windows and the standard software?",
            "Can my {laptop} be reimaged? Nothing works properly since the last upgrade.",
            "I'd like a fresh install on my laptop, it's slow and things keep crashing.",
        ],
        request=True,
    ),
    # ---- Bug or Error
    situation(
        "sw-bug-office-crash",
        "Bug or Error",
        "u",
        "{office_app} crashes when opening files",
        ["{office_app} crashing", "{office_app} keeps closing", "{office_app} crash"],
        [
            "{office_app} crashes every time I open a file from SharePoint.",
            "{office_app} closes without any message as soon as I open one particular file.",
            "{office_app} keeps crashing since the latest update, I've lost my work twice today.",
        ],
        error=[
            "{office_app} has stopped working",
            "Faulting application name: {office_app}, version: 16.0.17328.20162\n"
            "Faulting module name: ntdll.dll\n"
            "Exception code: 0xc0000005",
        ],
    ),
    situation(
        "sw-bug-invoice-posting",
        "Bug or Error",
        "ut",
        "Error when posting invoices in {app}",
        ["cant post invoices in {app}", "{app} posting error", "{app} error invoice"],
        [
            "When I post an invoice in {app} I get an error and the document stays on hold.",
            "{app} throws an error on the last step of invoice posting, the message mentions a missing cost centre.",
            "We can't post supplier invoices in {app}, it fails with 'An unexpected error has occurred'.",
        ],
        app=["SAP", "Oracle EBS", "NetSuite", "Dynamics 365", "Sage"],
        error=[
            "An unexpected error has occurred. Reference ID 7f3a-22c1",
            "Posting failed: cost centre 4100 is blocked for posting",
            "Document could not be posted: balance in transaction currency",
        ],
    ),
    situation(
        "sw-bug-blank-pages",
        "Bug or Error",
        "ut",
        "{app} pages load blank",
        ["{app} blank page", "{app} not loading", "white screen {app}"],
        [
            "{app} only shows a white page after login, in {browser} and in the other browsers too.",
            "Most pages in {app} load blank since {since}.",
            "When I open a record in {app} the page stays empty.",
        ],
        app=["Salesforce", "ServiceNow", "the CRM", "the intranet", "Workday", "the booking system"],
        error=[
            "Uncaught TypeError: Cannot read properties of undefined (reading 'map')",
            "Failed to load resource: the server responded with a status of 504",
        ],
    ),
    situation(
        "sw-bug-freezing",
        "Bug or Error",
        "mu",
        "{app} freezes regularly",
        ["{app} freezing", "{app} not responding", "{app} hangs"],
        [
            "{app} freezes several times a day and I have to kill it in Task Manager.",
            "{app} goes to 'Not responding' whenever I run a search.",
            "{app} hangs for minutes when I save, then sometimes recovers.",
        ],
        error=[
            "{app} is not responding",
            "The application is not responding. If you close the program, you might lose information.",
        ],
    ),
    situation(
        "sw-bug-report-wrong",
        "Bug or Error",
        "mut",
        "Report in {app} shows wrong figures",
        ["report numbers wrong", "{app} report incorrect", "wrong totals in report"],
        [
            "The monthly sales report in {app} shows totals that don't match the source data.",
            "The figures in the {app} dashboard are different from last week's export for the same period.",
            "Since {since} a report in {app} doubles some of the amounts.",
        ],
        app=["Power BI", "Tableau", "SAP", "the ERP", "the CRM", "NetSuite"],
    ),
    situation(
        "sw-bug-pdf-export",
        "Bug or Error",
        "mu",
        "Export to PDF fails in {app}",
        ["cant export pdf", "pdf export error", "{app} export broken"],
        [
            "Exporting to PDF in {app} fails with an error message.",
            "When I export a report from {app} the PDF is empty.",
            "The 'Export as PDF' button in {app} does nothing any more.",
        ],
        error=[
            "Export failed: Object reference not set to an instance of an object.",
            "System.NullReferenceException: Object reference not set to an instance of an object.\n"
            "   at Reports.Export.PdfWriter.Render(Report r)\n"
            "   at Reports.Export.ExportService.Run(ExportRequest req)",
        ],
    ),
    situation(
        "sw-bug-timesheet",
        "Bug or Error",
        "ut",
        "Timesheet submission fails with an error",
        ["cant submit timesheet", "timesheet error", "timesheets broken"],
        [
            "I can't submit my timesheet, it says 'Error: Session expired, please log in again' even after logging in.",
            "The timesheet tool shows an error when I press submit and nothing is saved.",
            "Timesheet submission fails at the approval step with an unexpected error.",
        ],
        error=[
            "Error: Session expired, please log in again",
            "An unexpected error has occurred. Reference ID 7f3a-22c1",
        ],
    ),
    situation(
        "sw-bug-internal-500",
        "Bug or Error",
        "uto",
        "Internal web application returns HTTP 500 errors",
        ["{app} 500 error", "internal server error", "{app} down error 500"],
        [
            "{app} shows 'HTTP 500 Internal Server Error' when I log in.",
            "I get a server error page from {app} for every action.",
            "{app} returns error 500 since {since}.",
        ],
        app=["the intranet", "the HR portal", "the expenses tool", "the booking system", "the warehouse system"],
        error=[
            "HTTP 500 Internal Server Error",
            "Error 500 - Internal Server Error\nRequest ID: 3f2b9c1e-7a41-4d2e-9b8a-0c6e5d1f2a77\nTime: 09:42:17 UTC",
        ],
    ),
    situation(
        "sw-bug-slow-app",
        "Bug or Error",
        "mut",
        "{app} very slow to respond",
        ["{app} very slow", "{app} slow", "{app} takes ages"],
        [
            "{app} is extremely slow, every screen takes 30 seconds or more to load.",
            "Searching in {app} takes minutes since {since}.",
            "Saving a record in {app} takes ages and sometimes times out.",
        ],
        error=[
            "Request timed out after 30000 ms",
            "Gateway Timeout (504)",
        ],
    ),
    situation(
        "sw-bug-date-format",
        "Bug or Error",
        "m",
        "Dates displayed in the wrong format in {app}",
        ["wrong date format", "dates wrong in {app}", "date display issue"],
        [
            "{app} shows dates in US format (month/day) even though my settings are UK.",
            "Dates in {app} exports come out as numbers instead of dates.",
            "The calendar picker in {app} shows the wrong first day of the week.",
        ],
    ),
    situation(
        "sw-bug-file-corrupt",
        "Bug or Error",
        "u",
        "Files become corrupted when saved in {office_app}",
        ["file corrupted", "{office_app} file wont open", "corrupt file after save"],
        [
            "When I save in {office_app} and reopen the file it says it's corrupted.",
            "My {office_app} file can't be opened any more after I saved it this morning.",
            "{office_app} says 'we found a problem with some of the content' every time I open my file.",
        ],
        error=[
            "We found a problem with some content in the file. Do you want us to try to recover as much as we can?",
            "The file is corrupt and cannot be opened.",
        ],
    ),
    situation(
        "sw-bug-macro",
        "Bug or Error",
        "mu",
        "Excel macro fails with a run-time error",
        ["macro error", "vba runtime error", "excel macro broken"],
        [
            "Our Excel macro for the weekly report fails with run-time error '1004'.",
            "The macro in our planning workbook stopped working after the Office update.",
            "When I press the button in our Excel template I get a VBA error and it stops.",
        ],
        error=[
            "Run-time error '1004': Application-defined or object-defined error",
            "Compile error: Can't find project or library",
        ],
    ),
    # ---- License
    situation(
        "sw-lic-request",
        "License",
        "mu",
        "{licensed_app} licence requested",
        ["need {licensed_app} licence", "licence request {licensed_app}", "{licensed_app} license"],
        [
            "Could I get a licence for {licensed_app}? I need it for an upcoming project.",
            "Please assign me a {licensed_app} licence, my manager {manager} has approved the cost.",
            "I'm requesting a {licensed_app} licence for my role in {dept}.",
        ],
        request=True,
    ),
    situation(
        "sw-lic-expired",
        "License",
        "ut",
        "{licensed_app} reports an expired licence",
        ["{licensed_app} licence expired", "license expired", "{licensed_app} says expired"],
        [
            "{licensed_app} says my licence has expired and opens in read-only mode.",
            "When I open {licensed_app} I get 'Your license has expired'.",
            "{licensed_app} stopped working today with a licence expiry message.",
        ],
        error=[
            "Your license has expired.",
            "License expired. {licensed_app} will run in read-only mode.",
        ],
    ),
    situation(
        "sw-lic-office-unlicensed",
        "License",
        "u",
        "Microsoft Office shows 'Unlicensed Product'",
        ["office unlicensed", "unlicensed product", "office not activated"],
        [
            "Word and Excel show 'Unlicensed Product' at the top and most features are greyed out.",
            "Office on my laptop says 'Product Deactivated' and asks me to sign in again, which doesn't help.",
            "My Office apps went into reduced functionality mode, it says there's no licence.",
        ],
        group="Service Desk",
        error=[
            "Unlicensed Product",
            "Product Deactivated",
            "Most features of Word have been disabled because it hasn't been activated.",
        ],
    ),
    situation(
        "sw-lic-transfer",
        "License",
        "m",
        "Licence transfer from a leaver requested",
        ["transfer licence", "reassign licence from leaver", "move license"],
        [
            "{person} left last month. Can their {licensed_app} licence be moved to me?",
            "Please transfer the {licensed_app} licence from our leaver to the new starter.",
            "We'd like to reuse the {licensed_app} licence of a colleague who left instead of buying a new one.",
        ],
        request=True,
    ),
    situation(
        "sw-lic-no-seats",
        "License",
        "t",
        "No free licences left for {licensed_app}",
        ["no licences available", "all licences in use", "{licensed_app} no seats"],
        [
            "{licensed_app} says 'No licenses available' for everyone in the {dept} team.",
            "All the {licensed_app} seats are used up, several of us can't open it.",
            "The concurrent licence pool for {licensed_app} is full, people are waiting to get in.",
        ],
        error=[
            "No licenses available. Contact your administrator.",
            "License server: all 25 seats in use",
        ],
    ),
    situation(
        "sw-lic-activation",
        "License",
        "u",
        "Software activation fails",
        ["activation failed", "cant activate software", "activation error"],
        [
            "{licensed_app} activation fails with 'Activation error 0xC004F074'.",
            "I entered the licence key for {licensed_app} but it says activation failed.",
            "{licensed_app} keeps asking me to activate and then says the server can't be reached.",
        ],
        error=[
            "Activation error 0xC004F074",
            "We can't activate your product right now. Error code 0x8004FC12",
        ],
    ),
    situation(
        "sw-lic-renewal-question",
        "License",
        "m",
        "Question about a licence renewal date",
        ["when does licence expire", "licence renewal question", "license renewal"],
        [
            "When does our {licensed_app} subscription renew? We need to plan the budget.",
            "Could you tell me how many {licensed_app} licences we own and when they expire?",
            "Quick question about the renewal of our {licensed_app} licences, who is the contact?",
        ],
        request=True,
        group="Service Desk",
    ),
    situation(
        "sw-lic-powerbi-pro",
        "License",
        "mu",
        "Power BI Pro licence requested to share reports",
        ["power bi pro licence", "cant share power bi report", "power bi license"],
        [
            "I built a Power BI report but I can't share it without a Pro licence. Can I get one?",
            "Power BI says I need a Pro licence to publish to the team workspace.",
            "Requesting a Power BI Pro licence so I can share dashboards with {dept}.",
        ],
        request=True,
    ),
    situation(
        "sw-lic-calling",
        "License",
        "m",
        "Calling licence requested for a phone number in Teams",
        ["teams phone licence", "need phone licence", "calling plan request"],
        [
            "I need a calling licence so I can make external phone calls from Teams.",
            "Could I get a Teams Phone licence? I'm moving to a customer-facing role.",
            "Please add a calling plan licence to my account.",
        ],
        request=True,
    ),
    situation(
        "sw-lic-reclaim",
        "License",
        "m",
        "Unused licences to be reclaimed",
        ["remove unused licences", "reclaim licences", "too many licences"],
        [
            "We have {count} {licensed_app} licences assigned to people who don't use it. Can they be removed?",
            "Please reclaim the {licensed_app} licences of users who haven't logged in for 90 days.",
            "I'd like to reduce our {licensed_app} licences to save cost, who can help?",
        ],
        request=True,
    ),
    situation(
        "sw-lic-edition-upgrade",
        "License",
        "mu",
        "Licence upgrade to a higher edition of {product} requested",
        ["upgrade licence", "need pro version", "{product} upgrade licence"],
        [
            "I have {product} Standard but I need features that only exist in Professional. Can my licence be "
            "upgraded?",
            "Could my {product} licence be upgraded? The free version limits my files.",
            "Please upgrade my {product} licence to the professional edition.",
        ],
        request=True,
        product=["Visio", "Microsoft Project", "Adobe Acrobat", "Miro", "Snagit"],
    ),
    # ---- Update
    situation(
        "sw-upd-stuck",
        "Update",
        "u",
        "Windows update stuck during installation",
        ["update stuck", "windows update frozen", "stuck on updates"],
        [
            "My laptop has been stuck on 'Working on updates 35%' for two hours.",
            "Windows update is stuck at the same percentage since {since}, I can't use the laptop.",
            "Laptop restarted for updates and now it's been 'Undoing changes' for an hour.",
        ],
        error=[
            "Working on updates 35% complete. Don't turn off your computer.",
            "Undoing changes made to your computer",
        ],
    ),
    situation(
        "sw-upd-broke-app",
        "Update",
        "ut",
        "{app} stopped working after the latest update",
        ["{app} broken after update", "update broke {app}", "{app} not working since update"],
        [
            "Since the update last night {app} won't start.",
            "{app} has been broken since the latest update was installed, it crashes on login.",
            "After the automatic update {app} opens but none of the buttons work.",
        ],
        error=[
            "The application could not be started. Side-by-side configuration is incorrect.",
            "The code execution cannot proceed because MSVCP140.dll was not found.",
        ],
    ),
    situation(
        "sw-upd-new-version",
        "Update",
        "m",
        "Newer version of {install_app} requested",
        ["update {install_app}", "newer version needed", "upgrade {install_app}"],
        [
            "I'm still on an old version of {install_app}. Could it be updated to the latest release?",
            "Please upgrade {install_app} on my laptop, a feature I need is only in the new version.",
            "Can {install_app} be updated? It keeps telling me a new version is available but I can't install it.",
        ],
        request=True,
    ),
    situation(
        "sw-upd-restart-prompts",
        "Update",
        "m",
        "Update restart prompts keep interrupting work",
        ["restart prompts annoying", "update keeps asking restart", "forced restart"],
        [
            "The update restart pop-up appears every 10 minutes and interrupts my calls.",
            "My laptop keeps nagging me to restart for updates, can it wait until the evening?",
            "A forced restart for updates kicked me out of a presentation. Can this be scheduled better?",
        ],
        error=[
            "Your organisation requires your device to restart in 15 minutes.",
            "Restart required to finish installing updates",
        ],
    ),
    situation(
        "sw-upd-failing",
        "Update",
        "mu",
        "Windows updates keep failing to install",
        ["updates failing", "update error 0x800f0922", "windows update fails"],
        [
            "Windows Update fails every night with error 0x800f0922.",
            "My laptop says some updates failed to install and it keeps retrying.",
            "The same cumulative update fails over and over on my machine.",
        ],
        error=[
            "Error 0x800f0922",
            "There were some problems installing updates (0x80070643)",
            "2024-05 Cumulative Update for Windows 11 (KB5037771)\nStatus: Install error - 0x800f0922",
        ],
    ),
    situation(
        "sw-upd-macos",
        "Update",
        "m",
        "macOS upgrade requested",
        ["macos upgrade", "update my mac", "mac os update"],
        [
            "Can my MacBook be upgraded to the latest macOS? Some apps need it.",
            "I'd like to update macOS on my work Mac but it says it's managed by my organisation.",
            "Is it approved to upgrade macOS yet? My Mac keeps offering it.",
        ],
        request=True,
    ),
    situation(
        "sw-upd-browser-outdated",
        "Update",
        "mu",
        "Outdated browser version breaks a web application",
        ["browser outdated", "{browser} too old", "site says update browser"],
        [
            "{app} says my browser version is no longer supported and some pages don't work.",
            "My {browser} is stuck on an old version and {app} shows a warning.",
            "A supplier portal refuses to load because {browser} is out of date.",
        ],
        error=[
            "Your browser is out of date. Please update to continue.",
            "This browser is no longer supported.",
        ],
    ),
    situation(
        "sw-upd-java-legacy",
        "Update",
        "ut",
        "Legacy application broken by a Java update",
        ["java update broke app", "legacy app java error", "java version problem"],
        [
            "After the Java update our old {legacy} application doesn't start any more.",
            "{legacy} needs an older Java version, the update replaced it and now it crashes.",
            "The Java update last night broke {legacy}, it shows a security block message.",
        ],
        legacy=["stock control", "time recording", "quality database", "label designer", "lab reporting"],
        error=[
            "Application Blocked by Java Security",
            "Unsupported major.minor version 52.0",
            "Error: Could not find or load main class",
        ],
    ),
    situation(
        "sw-upd-graphics-driver",
        "Update",
        "m",
        "Graphics driver update needed",
        ["graphics driver update", "display driver old", "update video driver"],
        [
            "My graphics driver is outdated and {cadapp} warns about it at every start.",
            "Could you update the display driver on my workstation? The screen flickers in {cadapp}.",
            "I need a newer graphics driver for {cadapp}, I can't install it myself.",
        ],
        cadapp=["AutoCAD", "SolidWorks", "Revit", "Blender", "Premiere Pro"],
        error=[
            "Your graphics driver is outdated and may cause issues.",
            "Display driver nvlddmkm stopped responding and has successfully recovered.",
        ],
    ),
    situation(
        "sw-upd-postpone",
        "Update",
        "m",
        "Request to postpone a scheduled update",
        ["postpone update", "delay update please", "skip update this week"],
        [
            "Can the upgrade scheduled for my laptop tonight be postponed? I'm travelling tomorrow.",
            "Please postpone the Windows feature update on my machine until after month-end.",
            "I'd like to delay the update on the {dept} laptops until next week.",
        ],
        request=True,
    ),
    situation(
        "sw-upd-office-stuck",
        "Update",
        "u",
        "Office stuck on 'updating Office, please wait'",
        ["office updating forever", "office update stuck", "outlook word wont open updating"],
        [
            "None of my Office apps open, they all show 'We're updating Office, please wait' and nothing happens.",
            "Office has been updating for hours and I can't open Word or Excel.",
            "Office update failed halfway and now Word and Excel won't start.",
        ],
        error=[
            "We're updating Office, please wait",
            "Something went wrong. Couldn't install Office. Error code: 30088-1015",
        ],
    ),
]

NETWORK = [
    # ---- VPN
    situation(
        "net-vpn-drops",
        "VPN",
        "ut",
        "VPN disconnects every {minutes} minutes for a remote user",
        ["vpn keeps dropping", "vpn drops every {minutes} min", "vpn disconnecting"],
        [
            "My VPN keeps disconnecting every {minutes} minutes and I have to log back in each time.",
            "Working from home and {vpn} kicks me out roughly every {minutes} minutes.",
            "The VPN tunnel falls over every few minutes since {since}, which kills my {app} session each time.",
        ],
        error=[
            "The VPN connection was terminated by the remote peer.",
            "Status: Disconnected\nReason: The VPN connection was terminated by the remote peer (error 412)",
        ],
    ),
    situation(
        "net-vpn-cannot-connect",
        "VPN",
        "uto",
        "VPN client cannot connect to the gateway",
        ["vpn not connecting", "cant connect to vpn", "vpn broken"],
        [
            "{vpn} won't connect, it says 'Gateway unreachable' after a minute.",
            "I can't connect to the VPN at all from home, it fails with error 809.",
            "The VPN gets to 'Connecting...' and then gives up. My home internet works fine.",
        ],
        error=[
            "Error 809: The network connection between your computer and the VPN server could not be established",
            "Gateway unreachable",
            "[10:41:02] Connecting to vpn.example.com...\n"
            "[10:41:17] SSL handshake failed\n"
            "[10:41:17] Gateway unreachable, retrying (1/3)",
        ],
    ),
    situation(
        "net-vpn-access-request",
        "VPN",
        "mu",
        "VPN access requested for remote work",
        ["need vpn access", "vpn access request", "remote access request"],
        [
            "I'll be working from home two days a week. Could I get VPN access?",
            "Please enable remote access (VPN) for my account, my manager {manager} approved hybrid work.",
            "Requesting VPN access for our contractor {person} so they can reach {app}.",
        ],
        request=True,
    ),
    situation(
        "net-vpn-slow",
        "VPN",
        "mu",
        "VPN connection very slow",
        ["vpn very slow", "slow over vpn", "vpn speed terrible"],
        [
            "Everything over the VPN is extremely slow, opening a file on {share} takes minutes.",
            "When I'm on {vpn} my internet crawls, speed tests show under 1 Mbit.",
            "The VPN is so slow today that {app} keeps timing out.",
        ],
    ),
    situation(
        "net-vpn-no-internal",
        "VPN",
        "ut",
        "VPN connects but internal sites are unreachable",
        ["vpn connected but nothing works", "cant reach intranet on vpn", "vpn no internal access"],
        [
            "The VPN says connected but I can't reach the intranet or any internal server.",
            "{vpn} connects fine but {share} and {app} don't open.",
            "Connected to the VPN, yet internal websites time out. External sites work.",
        ],
        error=[
            "This site can't be reached: ERR_NAME_NOT_RESOLVED",
            "Request timed out.",
        ],
    ),
    situation(
        "net-vpn-certificate",
        "VPN",
        "u",
        "VPN fails with a certificate validation error",
        ["vpn certificate error", "vpn cert expired", "certificate validation failure vpn"],
        [
            "The VPN client shows 'Certificate validation failure' and won't connect.",
            "{vpn} complains that my machine certificate is invalid or expired.",
            "I get a certificate warning when connecting to the VPN and then it disconnects.",
        ],
        error=[
            "Certificate validation failure",
            "No valid certificate found for authentication",
        ],
    ),
    situation(
        "net-vpn-hotel",
        "VPN",
        "u",
        "VPN blocked on hotel or public Wi-Fi",
        ["vpn not working in hotel", "vpn blocked hotel wifi", "vpn on public wifi"],
        [
            "I'm at a hotel and the VPN won't connect on their Wi-Fi, the internet itself works.",
            "The VPN doesn't connect from the airport lounge network.",
            "On the client's guest Wi-Fi my VPN times out every time.",
        ],
        error=[
            "Login failed. Reason: timeout",
            "Gateway unreachable",
        ],
    ),
    situation(
        "net-vpn-site-tunnel",
        "VPN",
        "to",
        "Site-to-site VPN tunnel to {site} is down",
        ["site vpn down", "tunnel to {site} down", "branch vpn down"],
        [
            "The site-to-site VPN between {site} and head office is down, the branch can't reach any central system.",
            "Our office in {site} lost the tunnel to the data centre since {since}.",
            "Monitoring shows the IPsec tunnel to {site} flapping up and down.",
        ],
        voice="system",
        error=[
            "IKE phase 1 negotiation failed",
            "Tunnel to {site} is down (IPsec SA expired)",
        ],
    ),
    situation(
        "net-vpn-client-install",
        "VPN",
        "m",
        "VPN client installation requested on a new laptop",
        ["install vpn client", "vpn missing on laptop", "need vpn software"],
        [
            "My new laptop doesn't have the VPN client. Could you install it?",
            "Please install {vpn} on my laptop, I start working from home next week.",
            "The VPN app is missing on my Mac, can you push it?",
        ],
        request=True,
        group="Service Desk",
    ),
    situation(
        "net-vpn-call-quality",
        "VPN",
        "mu",
        "Poor call quality while connected to the VPN",
        ["calls bad on vpn", "teams choppy on vpn", "voice breaks on vpn"],
        [
            "Calls are choppy whenever I'm connected to the VPN, fine when I disconnect.",
            "My audio breaks up in meetings while on {vpn}. Could split tunnelling be an issue?",
            "Video calls freeze every few seconds only when the VPN is on.",
        ],
    ),
    situation(
        "net-vpn-mac-upgrade",
        "VPN",
        "u",
        "VPN client stopped working after a macOS upgrade",
        ["vpn broken after mac update", "mac vpn not working", "vpn mac upgrade"],
        [
            "After upgrading macOS the VPN client won't start.",
            "{vpn} on my MacBook stopped connecting after the system update.",
            "Since the macOS update the VPN says the system extension is blocked.",
        ],
        error=[
            "System Extension Blocked",
            "The VPN service is unavailable",
        ],
    ),
    # ---- Wi-Fi
    situation(
        "net-wifi-guest",
        "Wi-Fi",
        "m",
        "Guest Wi-Fi access requested for visitors",
        ["guest wifi access", "wifi for visitors", "guest wifi password"],
        [
            "We have visitors from {vendor} on {weekday}. Can we get guest Wi-Fi access for them?",
            "What's the guest Wi-Fi password this week? A customer is in the office.",
            "Please create guest Wi-Fi vouchers for a workshop with 15 external people.",
        ],
        request=True,
        group="Service Desk",
    ),
    situation(
        "net-wifi-meeting-room",
        "Wi-Fi",
        "mt",
        "Wi-Fi drops in {room}",
        ["wifi drops in {room}", "wifi bad in meeting room", "no wifi in {room}"],
        [
            "Wi-Fi in {room} keeps dropping during meetings.",
            "The wireless in {room} disconnects every few minutes, people switch to hotspots.",
            "Whenever I'm in {room} my laptop loses the Wi-Fi.",
        ],
    ),
    situation(
        "net-wifi-weak-area",
        "Wi-Fi",
        "mt",
        "Weak Wi-Fi signal in part of the {site} office",
        ["weak wifi", "wifi signal bad", "poor wifi coverage"],
        [
            "The Wi-Fi signal at the far end of the {floor} floor in {site} is very weak.",
            "Only one bar of Wi-Fi in our corner of the office, video calls drop.",
            "Wi-Fi coverage in the new area on the {floor} floor is poor.",
        ],
    ),
    situation(
        "net-wifi-corp-auth",
        "Wi-Fi",
        "u",
        "Laptop cannot authenticate to the corporate Wi-Fi",
        ["cant connect corp wifi", "wifi authentication failed", "corporate wifi not working"],
        [
            "My laptop can't join the corporate Wi-Fi, it says 'Can't connect to this network'.",
            "The office Wi-Fi asks for a certificate and then fails authentication.",
            "I can connect to guest Wi-Fi but not the corporate network since {since}.",
        ],
        error=[
            "Can't connect to this network",
            "Authentication failed",
            "Windows was unable to find a certificate to log you on to the network",
        ],
    ),
    situation(
        "net-wifi-new-ap",
        "Wi-Fi",
        "mt",
        "Additional Wi-Fi access points requested",
        ["need more wifi access points", "wifi in warehouse", "new access point request"],
        [
            "We're opening a new area at {site} and need Wi-Fi there for the scanners.",
            "Could an extra access point be installed in the canteen? It's used for town halls.",
            "Please add Wi-Fi coverage to the new mezzanine in the warehouse.",
        ],
        request=True,
    ),
    situation(
        "net-wifi-slow",
        "Wi-Fi",
        "mut",
        "Office Wi-Fi very slow",
        ["wifi very slow", "slow wireless", "wifi crawling"],
        [
            "The office Wi-Fi is really slow today, pages take ages to load.",
            "Wi-Fi speed on the {floor} floor is terrible since {since}.",
            "Downloads on the office wireless run at a few hundred kilobits.",
        ],
    ),
    situation(
        "net-wifi-event",
        "Wi-Fi",
        "m",
        "Wi-Fi access requested for an event",
        ["wifi for event", "event wifi", "wifi for training day"],
        [
            "We're running a training day in the {site} office on {weekday}. Can we get Wi-Fi access for 30 attendees?",
            "Please set up Wi-Fi for the customer event in the canteen next week.",
            "Could we get a dedicated wireless network for the conference in {room}?",
        ],
        request=True,
        group="Service Desk",
    ),
    situation(
        "net-wifi-captive-portal",
        "Wi-Fi",
        "mu",
        "Guest Wi-Fi login page does not load",
        ["guest wifi login page not loading", "captive portal broken", "cant log in guest wifi"],
        [
            "The guest Wi-Fi login page never appears, so visitors can't get online.",
            "When I join the guest Wi-Fi the terms page is blank.",
            "The guest wireless portal gives a certificate error on every phone.",
        ],
        error=[
            "Your connection is not private: NET::ERR_CERT_AUTHORITY_INVALID",
            "This page isn't responding",
        ],
    ),
    situation(
        "net-wifi-device-registration",
        "Wi-Fi",
        "m",
        "Device registration on Wi-Fi requested",
        ["register device on wifi", "connect device to wifi", "iot device wifi"],
        [
            "We have a new {device} that needs to join the Wi-Fi. Can you register its MAC address?",
            "Please allow our {device} on the wireless network.",
            "The {device} in {room} can't connect to Wi-Fi, I think it needs registering.",
        ],
        request=True,
        device=["smart TV", "digital signage screen", "wireless presenter", "label printer", "sensor"],
    ),
    situation(
        "net-wifi-floor-down",
        "Wi-Fi",
        "to",
        "Wi-Fi down on a whole floor",
        ["wifi down on floor", "no wifi whole floor", "wireless down"],
        [
            "The Wi-Fi is completely down on the {floor} floor in {site}.",
            "No wireless network visible anywhere on our floor since {since}.",
            "The Wi-Fi access points on our floor have all gone dark.",
        ],
    ),
    situation(
        "net-wifi-network-missing",
        "Wi-Fi",
        "u",
        "Laptop does not see any Wi-Fi networks",
        ["laptop cant see wifi", "no wifi networks", "wifi missing"],
        [
            "My laptop doesn't see any Wi-Fi networks at all, colleagues next to me are fine.",
            "The Wi-Fi icon disappeared from my laptop and no networks show up.",
            "My {laptop} says 'No Wi-Fi networks found' everywhere.",
        ],
        error=[
            "No Wi-Fi networks found",
            "The wireless capability is turned off",
        ],
    ),
    # ---- Connectivity
    situation(
        "net-conn-desk-no-network",
        "Connectivity",
        "u",
        "No network connection at the user's desk",
        ["no internet at desk", "network cable not working", "no network"],
        [
            "My PC says 'Network cable unplugged' even though the cable is in.",
            "No network at my desk today, I swapped the cable and it's the same.",
            "The network port at my desk seems dead, my laptop gets no connection.",
        ],
        error=[
            "Network cable unplugged",
            "No internet access",
            "C:\\> ipconfig\nMedia State . . . . . . . . . . . : Media disconnected",
        ],
    ),
    situation(
        "net-conn-site-outage",
        "Connectivity",
        "o",
        "Network outage at the {site} site",
        ["{site} network down", "site offline", "whole office no network"],
        [
            "The whole {site} office has no network or internet since {since}.",
            "Everything is down at the {site} site: no internet, no phones, no systems.",
            "Our branch in {site} lost all connectivity, the router lights are red.",
        ],
        error=[
            "Destination host unreachable.",
            "C:\\> ping 10.20.4.1\n"
            "Request timed out.\n"
            "Request timed out.\n"
            "Request timed out.\n"
            "Packets: Sent = 4, Received = 0, Lost = 4 (100% loss)",
        ],
    ),
    situation(
        "net-conn-port-activation",
        "Connectivity",
        "m",
        "Network port activation requested",
        ["activate network port", "patch network point", "need network port"],
        [
            "Could you activate network port 3-14 at my new desk?",
            "Please patch the network points in {room}, none of them are live.",
            "We need two network ports enabled on the {floor} floor for new printers.",
        ],
        request=True,
    ),
    situation(
        "net-conn-branch-slow",
        "Connectivity",
        "to",
        "Slow internet at the {site} branch",
        ["internet slow at branch", "{site} slow internet", "branch bandwidth"],
        [
            "Internet in the {site} office is extremely slow today.",
            "Everything cloud-based is crawling at our {site} site.",
            "The {site} branch line seems saturated, every call and upload is slow.",
        ],
    ),
    situation(
        "net-conn-voip-loss",
        "Connectivity",
        "ut",
        "Packet loss causing poor phone call quality",
        ["calls breaking up", "packet loss", "voip quality bad"],
        [
            "Desk phone calls break up and the other side hears robotic voices.",
            "We see packet loss on the network and the IP phones keep dropping calls.",
            "Calls from the contact centre cut out every couple of minutes.",
        ],
        error=[
            "Poor network quality detected",
            "Packet loss 12%, jitter 85 ms",
        ],
    ),
    situation(
        "net-conn-server-unreachable",
        "Connectivity",
        "ut",
        "Server {server} unreachable from the office network",
        ["cant reach {server}", "{server} unreachable", "server timeout"],
        [
            "I can't reach {server} from my desk, ping times out.",
            "Connections to {server} fail with 'Destination host unreachable'.",
            "{server} isn't reachable from the office network since {since}, it works from home.",
        ],
        error=[
            "Request timed out.",
            "Destination host unreachable.",
            "C:\\> ping {server}\n"
            "Request timed out.\n"
            "Request timed out.\n"
            "Packets: Sent = 4, Received = 0, Lost = 4 (100% loss)",
        ],
    ),
    situation(
        "net-conn-new-office",
        "Connectivity",
        "mt",
        "Network cabling requested for a new office space",
        ["network for new office", "cabling request", "new office network"],
        [
            "We're moving into a new office space at {site} and need network cabling for {count} desks.",
            "Please plan network connectivity for the refurbished {floor} floor.",
            "The new project room needs network points and a switch.",
        ],
        request=True,
    ),
    situation(
        "net-conn-intermittent",
        "Connectivity",
        "mu",
        "Intermittent network drops on a wired connection",
        ["network keeps dropping", "ethernet drops", "connection intermittent"],
        [
            "My wired connection drops for a few seconds several times an hour.",
            "The network keeps going on and off at my desk.",
            "I lose network every few minutes, Teams says 'reconnecting' constantly.",
        ],
        error=[
            "Network cable unplugged",
            "Reconnecting...",
        ],
    ),
    situation(
        "net-conn-ip-conflict",
        "Connectivity",
        "u",
        "IP address conflict prevents network access",
        ["ip conflict", "ip address conflict", "limited connectivity"],
        [
            "Windows says there's an IP address conflict and I have no network.",
            "My laptop gets a 169.254 address and no connection.",
            "I keep getting 'IP address conflict detected' and then lose network.",
        ],
        error=[
            "Windows has detected an IP address conflict",
            "C:\\> ipconfig\nAutoconfiguration IPv4 Address. . : 169.254.23.117\nDefault Gateway . . . . . . . . . :",
        ],
    ),
    situation(
        "net-conn-switch-down",
        "Connectivity",
        "to",
        "Network switch in the comms room is down",
        ["switch down", "comms room switch", "network switch failed"],
        [
            "A switch in the {floor} floor comms room seems down, all desks on that side have no network.",
            "Monitoring shows the access switch on the {floor} floor offline.",
            "The network switch by the lifts has no lights and half the floor is offline.",
        ],
        voice="system",
        error=[
            "Interface GigabitEthernet1/0/48 changed state to down",
            "Host sw-{floor}-01 is DOWN (PING CRITICAL - Packet loss = 100%)",
        ],
    ),
    situation(
        "net-conn-cloud-latency",
        "Connectivity",
        "ut",
        "High latency to a cloud application",
        ["cloud app lagging", "high latency to {app}", "network lag"],
        [
            "{app} is very laggy from the office, every click takes seconds.",
            "We see high latency to {app}, other sites are fine.",
            "Connections to {app} from the office take very long to establish.",
        ],
        error=[
            "Reply from 52.112.4.10: bytes=32 time=480ms TTL=112",
            "Request timed out.",
        ],
    ),
    # ---- Firewall & DNS
    situation(
        "net-fw-port-open",
        "Firewall & DNS",
        "mu",
        "Firewall rule requested to open a port",
        ["open firewall port", "firewall rule request", "need port opened"],
        [
            "Please open port {port} from {server} to {vendor}'s API for the new integration.",
            "We need a firewall rule allowing {server} to reach an external SFTP server on port 22.",
            "Could you allow outbound traffic on port {port} for our new monitoring tool?",
        ],
        request=True,
        port=["443", "8443", "22", "1433", "5432", "9000"],
    ),
    situation(
        "net-fw-site-blocked",
        "Firewall & DNS",
        "mu",
        "Website blocked by the web filter",
        ["website blocked", "site blocked by policy", "unblock website"],
        [
            "I need {website} for my work but it's blocked by company policy.",
            "The web filter blocks {website}, which we use to work with a customer.",
            "Can {website} be unblocked? It says 'blocked by company policy'.",
        ],
        request=True,
    ),
    situation(
        "net-dns-not-resolving",
        "Firewall & DNS",
        "uto",
        "Hostname {hostname} does not resolve",
        ["{hostname} not resolving", "dns error", "server not found"],
        [
            "{hostname} doesn't open, the browser says 'server not found'.",
            "DNS lookups for {hostname} fail from my laptop.",
            "I get DNS_PROBE_FINISHED_NXDOMAIN for {hostname} since {since}.",
        ],
        error=[
            "DNS_PROBE_FINISHED_NXDOMAIN",
            "Server not found",
            "C:\\> nslookup {hostname}\n"
            "Server:  dc01.corp.example.com\n"
            "*** dc01.corp.example.com can't find {hostname}: Non-existent domain",
        ],
    ),
    situation(
        "net-dns-new-record",
        "Firewall & DNS",
        "m",
        "New DNS record requested",
        ["new dns record", "dns entry request", "create cname"],
        [
            "Please create a DNS record {newhost} pointing to {server}.",
            "Could you add a CNAME for {newhost}? The app team is moving the service.",
            "We need an internal DNS entry {newhost} for the new test environment.",
        ],
        request=True,
        newhost=["reports.corp.example.com", "api-test.example.com", "wiki2.corp.example.com", "files.example.com"],
    ),
    situation(
        "net-fw-vendor-blocked",
        "Firewall & DNS",
        "ut",
        "Firewall blocking a supplier application",
        ["firewall blocking app", "vendor app blocked", "connection refused firewall"],
        [
            "{vendor}'s ordering app stopped connecting, the vendor says our firewall blocks it.",
            "Our connection to {vendor}'s portal times out from the office but works on mobile data.",
            "Since the firewall change on {weekday} we can't reach {vendor}'s system.",
        ],
        error=[
            "ERR_CONNECTION_TIMED_OUT",
            "Connection reset by peer",
            "curl: (28) Failed to connect to {vendor} portal port 443 after 21045 ms: Timed out",
        ],
    ),
    situation(
        "net-dns-wrong-ip",
        "Firewall & DNS",
        "ut",
        "DNS returns the old IP address after a migration",
        ["dns old ip", "dns wrong address", "stale dns"],
        [
            "{hostname} still resolves to the old server after yesterday's migration.",
            "Half of the users reach the old {hostname} server, DNS seems out of date.",
            "Internal DNS gives the wrong IP for {hostname}.",
        ],
        error=[
            "C:\\> nslookup {hostname}\nName:    {hostname}\nAddress:  10.20.4.15   (old server)",
        ],
    ),
    situation(
        "net-fw-partner-allowlist",
        "Firewall & DNS",
        "mu",
        "Partner IP address to be added to the firewall allowlist",
        ["allowlist partner ip", "whitelist ip", "firewall whitelist"],
        [
            "Please add {vendor}'s IP range to the allowlist for our SFTP server.",
            "Our partner {vendor} changed their outgoing IP address, can you update the firewall allowlist?",
            "We need to allow {vendor}'s new server IP through the firewall.",
        ],
        request=True,
    ),
    situation(
        "net-fw-sftp-blocked",
        "Firewall & DNS",
        "ut",
        "SFTP transfers to a partner blocked",
        ["sftp blocked", "file transfer failing", "cant reach sftp"],
        [
            "Our nightly SFTP upload to {vendor} fails with 'connection refused'.",
            "I can't connect to {vendor}'s SFTP server any more, it times out on port 22.",
            "File transfers to the bank's SFTP stopped since {since}.",
        ],
        error=[
            "ssh: connect to host port 22: Connection refused",
            "Network error: Connection timed out",
        ],
    ),
    situation(
        "net-dns-public-site-down",
        "Firewall & DNS",
        "o",
        "Public company website unreachable due to a DNS problem",
        ["website down", "company site not loading", "public site dns"],
        [
            "Our public website doesn't load for customers, the domain doesn't seem to resolve.",
            "The company website and online shop are unreachable from outside.",
            "Customers report our website 'server not found' since {since}.",
        ],
        voice="system",
        error=[
            "DNS_PROBE_FINISHED_NXDOMAIN",
            "This site can't be reached",
        ],
    ),
    situation(
        "net-fw-ssl-inspection",
        "Firewall & DNS",
        "mu",
        "SSL inspection breaks access to a website",
        ["certificate error website", "ssl inspection", "site certificate warning"],
        [
            "{website} shows a certificate warning only on the company network.",
            "A tool I use says 'SSL handshake failed' behind the proxy.",
            "Git and Python can't download packages in the office because of a certificate error.",
        ],
        error=[
            "SSL certificate problem: unable to get local issuer certificate",
            "NET::ERR_CERT_AUTHORITY_INVALID",
        ],
    ),
    situation(
        "net-fw-rule-review",
        "Firewall & DNS",
        "m",
        "Firewall rule review requested",
        ["firewall rule review", "check firewall rules", "cleanup firewall rules"],
        [
            "Could the network team review the firewall rules for {server}? We're decommissioning services.",
            "Please check which firewall rules still exist for the old {vendor} connection and remove them.",
            "For the audit we need a list of firewall rules that allow inbound traffic to {server}.",
        ],
        request=True,
    ),
]

COLLABORATION = [
    # ---- Mailbox
    situation(
        "col-mbx-full",
        "Mailbox",
        "u",
        "Mailbox full and cannot send or receive",
        ["mailbox full", "cant send email mailbox full", "inbox full"],
        [
            "Outlook says my mailbox is full and I can't send emails any more.",
            "I get 'Your mailbox is full' warnings and people say their mails to me bounce.",
            "My mailbox hit the size limit, can it be increased or archived?",
        ],
        error=[
            "Your mailbox is full.",
            "Your mailbox has exceeded one or more size limits set by your administrator.",
        ],
    ),
    situation(
        "col-mbx-shared-access",
        "Mailbox",
        "mu",
        "Access to the shared mailbox {mailbox} requested",
        ["access to shared mailbox", "add me to {mailbox}", "shared inbox access"],
        [
            "Could I get access to the shared mailbox {mailbox}? I'm joining the team that handles it.",
            "Please give me send-as rights on {mailbox}.",
            "I need the {mailbox} mailbox to show up in my Outlook.",
        ],
        request=True,
        mailbox=[
            "invoices@example.com",
            "hr-support@example.com",
            "sales@example.com",
            "orders@example.com",
            "info@example.com",
        ],
    ),
    situation(
        "col-mbx-no-external",
        "Mailbox",
        "uto",
        "Mailbox not receiving external emails",
        ["not getting external emails", "no mail from outside", "external email missing"],
        [
            "I'm not receiving any emails from outside the company since {since}. Internal mail arrives fine.",
            "Customers say they've emailed me but nothing arrives in my inbox.",
            "External senders get no bounce but their emails never reach me.",
        ],
    ),
    situation(
        "col-mbx-outlook-wont-open",
        "Mailbox",
        "u",
        "Outlook will not open",
        ["outlook wont open", "outlook not starting", "cant open outlook"],
        [
            "Outlook won't open, it says 'Cannot open the set of folders'.",
            "Outlook gets stuck on 'Loading profile' and never opens.",
            "When I start Outlook it crashes straight away, webmail works.",
        ],
        error=[
            "Cannot start Microsoft Outlook. Cannot open the set of folders.",
            "The operation failed.",
        ],
    ),
    situation(
        "col-mbx-out-of-office",
        "Mailbox",
        "m",
        "User needs help setting up an out-of-office reply",
        ["how to set out of office", "out of office help", "set up auto reply"],
        [
            "How do I set up an out-of-office reply? I'm on leave from {weekday}.",
            "Could someone set my automatic reply? I'm off sick and can't access my laptop.",
            "My out-of-office doesn't go to external senders, how do I change that?",
        ],
        request=True,
        group="Service Desk",
    ),
    situation(
        "col-mbx-stuck-outbox",
        "Mailbox",
        "u",
        "Emails stuck in the Outbox",
        ["emails stuck in outbox", "mail not sending", "outbox stuck"],
        [
            "My emails are stuck in the Outbox and won't send.",
            "Outlook shows a send error (0x80040115) and mails stay in the Outbox.",
            "Since {since} nothing leaves my Outbox, even small emails.",
        ],
        error=[
            "Sending reported error (0x80040115): We can't complete this because we can't contact the "
            "server right now.",
            "Task 'Microsoft Exchange - Sending' reported error (0x8004010F)",
        ],
    ),
    situation(
        "col-mbx-bounce",
        "Mailbox",
        "mu",
        "Emails to a recipient bounce back as not found",
        ["email bouncing", "undeliverable mail", "550 bounce"],
        [
            "My emails to {vendor} bounce with '550 5.1.1 RESOLVER.ADR.RecipNotFound'.",
            "Every mail I send to one customer comes back undeliverable.",
            "I get 'Delivery has failed to these recipients' for an address that definitely exists.",
        ],
        error=[
            "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found",
            "Delivery has failed to these recipients or groups:\n"
            "Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'",
        ],
    ),
    situation(
        "col-mbx-restore-folder",
        "Mailbox",
        "mu",
        "Restore of a deleted mail folder requested",
        ["deleted email folder", "restore deleted emails", "lost mail folder"],
        [
            "I accidentally deleted a whole folder of emails in Outlook. Can it be restored?",
            "My 'Contracts' mail folder disappeared, I think I dragged it somewhere or deleted it.",
            "Could you recover emails I deleted last week? They're not in Deleted Items any more.",
        ],
        request=True,
    ),
    situation(
        "col-mbx-signature",
        "Mailbox",
        "m",
        "Help requested with the email signature",
        ["email signature", "signature not showing", "update signature"],
        [
            "How do I update my email signature with my new job title?",
            "My email signature doesn't show on mobile replies. Can you help?",
            "The company signature template isn't applied to my emails.",
        ],
        request=True,
        group="Service Desk",
    ),
    situation(
        "col-mbx-search-broken",
        "Mailbox",
        "mu",
        "Outlook search returns no results",
        ["outlook search not working", "cant search emails", "search broken outlook"],
        [
            "Outlook search doesn't find anything older than a week.",
            "When I search my mailbox I get 'no results', even for emails I can see.",
            "Search in Outlook stopped working {since}.",
        ],
        error=[
            "We're having trouble fetching results from the server.",
            "Search results may be incomplete because items are still being indexed.",
        ],
    ),
    situation(
        "col-mbx-new-shared",
        "Mailbox",
        "mt",
        "New shared mailbox requested",
        ["new shared mailbox", "create shared inbox", "team mailbox request"],
        [
            "Please create a shared mailbox {mailbox} for the {dept} team.",
            "We need a new team inbox for customer queries, called {mailbox}.",
            "Could you set up a shared mailbox for the project and give {count} people access?",
        ],
        request=True,
        mailbox=["projects@example.com", "payables@example.com", "recruiting@example.com", "support-eu@example.com"],
    ),
    situation(
        "col-mbx-forwarding",
        "Mailbox",
        "m",
        "Mail forwarding from a leaver's mailbox requested",
        ["forward leaver email", "mail forwarding request", "redirect mailbox"],
        [
            "{person} left the company. Can their emails be forwarded to me for three months?",
            "Please set up forwarding from a former colleague's mailbox to the team inbox.",
            "We need the mail of our leaver redirected to {manager}.",
        ],
        request=True,
        group="Service Desk",
    ),
    # ---- Calendar
    situation(
        "col-cal-delegate",
        "Calendar",
        "m",
        "Calendar delegate access requested",
        ["calendar delegate", "give assistant calendar access", "manage calendar access"],
        [
            "Please give my assistant {person} delegate access to my calendar.",
            "I need to manage {manager}'s calendar. Can you set me up as a delegate?",
            "How do I let my colleague see and edit my calendar?",
        ],
        request=True,
        group="Service Desk",
    ),
    situation(
        "col-cal-meetings-vanish",
        "Calendar",
        "mu",
        "Meetings disappear from the calendar",
        ["meetings disappearing", "calendar items missing", "meetings vanished"],
        [
            "Meetings keep disappearing from my calendar, including ones I organised.",
            "Several appointments vanished from my Outlook calendar overnight.",
            "Accepted meetings don't show in my calendar any more.",
        ],
    ),
    situation(
        "col-cal-room-booking",
        "Calendar",
        "mt",
        "Room booking for {room} fails",
        ["cant book meeting room", "{room} booking declined", "room booking not working"],
        [
            "When I invite {room} the room declines automatically, but it's free.",
            "Booking {room} through Outlook fails with 'the room declined'.",
            "Nobody can book {room} since {since}, the calendar shows it as busy all day.",
        ],
        error=[
            "The meeting could not be booked: the room declined.",
            "Your request was declined: the room is unavailable.",
        ],
    ),
    situation(
        "col-cal-timezone",
        "Calendar",
        "m",
        "Meetings show at the wrong time",
        ["meetings wrong time", "calendar timezone wrong", "invites one hour off"],
        [
            "All my meetings show an hour late since I travelled to {site}.",
            "Calendar invites from colleagues appear at the wrong time in my Outlook.",
            "My calendar is in the wrong time zone and I can't change it.",
        ],
    ),
    situation(
        "col-cal-shared-sync",
        "Calendar",
        "mu",
        "Shared calendar not updating",
        ["shared calendar not syncing", "team calendar not updating", "calendar sync issue"],
        [
            "The {dept} shared calendar doesn't show new entries on my laptop.",
            "I see old data in my manager's calendar, it hasn't updated in days.",
            "The team holiday calendar isn't syncing to my Outlook.",
        ],
        error=[
            "Cannot open the calendar. The operation failed.",
        ],
    ),
    situation(
        "col-cal-invites-missing",
        "Calendar",
        "u",
        "Meeting invitations are not received",
        ["not getting meeting invites", "invites missing", "calendar invites not arriving"],
        [
            "I'm not receiving meeting invitations, colleagues say they invited me.",
            "Meeting invites go to my assistant but not to me.",
            "Since {since} no invitations arrive in my inbox.",
        ],
    ),
    situation(
        "col-cal-new-room",
        "Calendar",
        "m",
        "New room mailbox requested for booking",
        ["new room mailbox", "add room to outlook", "bookable room request"],
        [
            "We converted an office into a meeting room. Can it be made bookable in Outlook?",
            "Please create a room mailbox for the new {room} so people can book it.",
            "Could the new training room at {site} be added to the room finder?",
        ],
        request=True,
    ),
    situation(
        "col-cal-duplicates",
        "Calendar",
        "m",
        "Duplicate meetings appearing in the calendar",
        ["duplicate meetings", "meetings appear twice", "double calendar entries"],
        [
            "Every meeting appears twice in my calendar.",
            "My recurring meetings are duplicated since I set up my phone.",
            "Duplicate copies of appointments show up in my calendar.",
        ],
    ),
    situation(
        "col-cal-free-busy",
        "Calendar",
        "mu",
        "Free/busy information not visible when scheduling",
        ["cant see availability", "free busy not showing", "scheduling assistant empty"],
        [
            "The scheduling assistant shows no availability for anyone.",
            "I can't see colleagues' free/busy times when I plan a meeting.",
            "Free/busy for people in {site} shows as 'no information'.",
        ],
        error=[
            "No information. Free/busy information could not be retrieved.",
        ],
    ),
    situation(
        "col-cal-cannot-accept",
        "Calendar",
        "mu",
        "User cannot accept meeting invitations",
        ["cant accept meeting", "accept invite error", "meeting response fails"],
        [
            "When I click Accept on a meeting invite nothing happens.",
            "I get an error when I try to accept or decline meeting requests.",
            "Accepting invites fails with 'This meeting has been updated by another user'.",
        ],
        error=[
            "This meeting has been updated by another user.",
            "The operation failed. An object cannot be found.",
        ],
    ),
    situation(
        "col-cal-mobile-missing",
        "Calendar",
        "m",
        "Work calendar missing on the mobile phone",
        ["calendar not on phone", "phone calendar empty", "mobile calendar missing"],
        [
            "My work calendar doesn't show on my phone, emails work.",
            "The calendar on my {phone} is empty since I reinstalled Outlook.",
            "Only some meetings appear in my calendar on the phone.",
        ],
    ),
    # ---- Chat & Meetings
    situation(
        "col-chat-call-drops",
        "Chat & Meetings",
        "um",
        "Teams calls drop after a few minutes",
        ["teams calls dropping", "calls keep dropping", "teams call disconnects"],
        [
            "My Teams calls drop after a few minutes with 'We couldn't connect the call'.",
            "I keep getting kicked out of Teams meetings and rejoining.",
            "Teams calls fail whenever more than three people join.",
        ],
        error=[
            "We couldn't connect the call",
            "Your network is causing poor call quality",
        ],
    ),
    situation(
        "col-chat-no-audio",
        "Chat & Meetings",
        "u",
        "No audio in Teams meetings",
        ["no sound in teams", "teams audio not working", "people cant hear me"],
        [
            "Nobody can hear me in Teams meetings, my headset works elsewhere.",
            "I can't hear anyone in Teams calls, it shows the right speaker.",
            "Audio in Teams stopped working {since}, calls are silent.",
        ],
        error=[
            "We couldn't access your microphone",
            "No audio devices found",
        ],
    ),
    situation(
        "col-chat-screen-share",
        "Chat & Meetings",
        "mu",
        "Screen sharing fails in Teams",
        ["cant share screen teams", "screen share black", "teams sharing not working"],
        [
            "When I share my screen in Teams others just see a black screen.",
            "The 'Share' button in Teams does nothing.",
            "Screen sharing freezes after a few seconds in every meeting.",
        ],
        error=[
            "Sharing has stopped",
            "Screen sharing isn't available right now",
        ],
    ),
    situation(
        "col-chat-external-join",
        "Chat & Meetings",
        "mu",
        "Cannot join external Teams meetings",
        ["cant join external meeting", "external teams meeting", "guest meeting blocked"],
        [
            "I can't join a customer's Teams meeting, it says I can't join this meeting right now.",
            "External meeting links from partners open but never let me in.",
            "Joining meetings hosted by {vendor} fails with an error.",
        ],
        error=[
            "You can't join this meeting right now",
            "Your organisation doesn't allow you to join this meeting",
        ],
    ),
    situation(
        "col-chat-new-team",
        "Chat & Meetings",
        "m",
        "New Teams team requested",
        ["new teams team", "create a team", "teams channel request"],
        [
            "Please create a new team in Teams for the {project} project with me as owner.",
            "Could we get a Teams team for the {dept} department with a few channels?",
            "I'd like a private team for our working group of {count} people.",
        ],
        request=True,
        project=["Phoenix", "Atlas", "Orion", "Nova", "Helios"],
    ),
    situation(
        "col-chat-teams-down",
        "Chat & Meetings",
        "o",
        "Teams is down for all users",
        ["teams down", "teams not working for anyone", "teams outage"],
        [
            "Teams is down for everyone here, nobody can chat or call.",
            "Teams won't load for anyone in the company since {since}.",
            "All Teams meetings fail to start company-wide.",
        ],
        error=[
            "We're sorry, we've run into an issue.",
            "Something went wrong. Error code 4c7",
            "caa20002",
        ],
    ),
    situation(
        "col-chat-status-stuck",
        "Chat & Meetings",
        "m",
        "Teams status stuck on 'Away'",
        ["teams status wrong", "status stuck away", "teams presence"],
        [
            "My Teams status is always 'Away' even when I'm working.",
            "Teams shows me as 'In a meeting' all day even with an empty calendar.",
            "My presence in Teams is stuck on 'Offline'.",
        ],
    ),
    situation(
        "col-chat-room-device",
        "Chat & Meetings",
        "mt",
        "Meeting room video system in {room} not working",
        ["meeting room camera not working", "room system down {room}", "teams room broken"],
        [
            "The Teams Room system in {room} won't start meetings, the console is frozen.",
            "The video conference camera in {room} shows nothing and remote people can't see us.",
            "The room system in {room} can't join any calls since {since}.",
        ],
        error=[
            "Meeting room device is offline",
            "Couldn't join the meeting. Try again.",
        ],
    ),
    situation(
        "col-chat-messages-fail",
        "Chat & Meetings",
        "mu",
        "Teams chat messages fail to send",
        ["teams messages not sending", "chat not sending", "teams message failed"],
        [
            "My Teams chat messages show a red exclamation mark and 'Your message wasn't sent'.",
            "Chats in Teams don't send, they spin forever.",
            "I can't send any chat messages in Teams, channels work.",
        ],
        error=[
            "Your message wasn't sent",
            "Failed to send. Try again.",
        ],
    ),
    situation(
        "col-chat-recording",
        "Chat & Meetings",
        "m",
        "Teams meeting recording not available",
        ["recording missing", "teams recording not available", "cant find recording"],
        [
            "The recording of yesterday's Teams meeting never appeared in the chat.",
            "I can't find the recording of our training session, it says it's processing.",
            "Meeting recordings are not available to attendees from outside my team.",
        ],
        error=[
            "Recording couldn't be saved",
            "The recording is still processing",
        ],
    ),
    situation(
        "col-chat-phone-number",
        "Chat & Meetings",
        "m",
        "Phone number in Teams requested",
        ["teams phone number", "need phone number in teams", "direct dial request"],
        [
            "Could I get a direct phone number in Teams? I'm taking over customer calls.",
            "Please assign me a phone number so I can call out from Teams.",
            "I need a Teams number for the {dept} hotline.",
        ],
        request=True,
    ),
    # ---- Distribution List
    situation(
        "col-dl-add-member",
        "Distribution List",
        "m",
        "Addition to the {dl} distribution list requested",
        ["add me to {dl}", "add to distribution list", "dl membership"],
        [
            "Please add me to the {dl} distribution list.",
            "Could you add our new colleague {person} to {dl}?",
            "I'm not receiving the emails sent to {dl}, can I be added?",
        ],
        request=True,
        group="Service Desk",
        dl=["all-finance", "sales-emea", "it-announcements", "london-office", "project-atlas", "managers-uk"],
    ),
    situation(
        "col-dl-create",
        "Distribution List",
        "m",
        "New distribution list requested",
        ["new distribution list", "create dl", "email group request"],
        [
            "Please create a distribution list {dl} with the members in the attached list.",
            "We need an email group for the new {dept} leadership team.",
            "Could you set up a mailing list for all {site} office staff?",
        ],
        request=True,
        dl=["leadership-ops", "audit-2025", "finance-close", "site-leads", "onboarding-team"],
    ),
    situation(
        "col-dl-remove-member",
        "Distribution List",
        "m",
        "Removal from a distribution list requested",
        ["remove from distribution list", "take me off dl", "unsubscribe dl"],
        [
            "Please remove me from {dl}, I changed roles.",
            "Could you take {person} off the {dl} list? They left the team.",
            "I get too many emails from {dl}, can I be removed?",
        ],
        request=True,
        group="Service Desk",
        dl=["all-finance", "sales-emea", "london-office", "project-atlas"],
    ),
    situation(
        "col-dl-external-blocked",
        "Distribution List",
        "ut",
        "External senders cannot email a distribution list",
        ["external cant email dl", "dl rejects external", "partner mail to list bounces"],
        [
            "Customers get a bounce when they email {dl}: '550 5.7.1 authentication required'.",
            "Our partner {vendor} can't send to the {dl} list.",
            "External emails to {dl} are rejected.",
        ],
        dl=["support", "orders", "press", "careers", "partners"],
        error=[
            "550 5.7.1 RESOLVER.RST.AuthRequired; authentication required",
            "Your message to {dl}@example.com couldn't be delivered.\n"
            "550 5.7.1 RESOLVER.RST.AuthRequired; authentication required",
        ],
    ),
    situation(
        "col-dl-not-receiving",
        "Distribution List",
        "mu",
        "Member not receiving distribution list emails",
        ["not getting dl emails", "dl mails missing", "distribution list not working"],
        [
            "I'm a member of {dl} but I don't receive the messages sent to it.",
            "Emails sent to {dl} don't reach some members, including me.",
            "Since {since} I stopped getting emails from the {dl} list.",
        ],
        dl=["all-staff", "it-announcements", "sales-emea", "managers-uk"],
    ),
    situation(
        "col-dl-owner-change",
        "Distribution List",
        "m",
        "Change of distribution list owner requested",
        ["change dl owner", "distribution list owner", "manage dl"],
        [
            "The owner of {dl} left the company. Please make me the owner.",
            "Could you transfer ownership of the {dl} list to {manager}?",
            "I need to manage the members of {dl} myself, can I become an owner?",
        ],
        request=True,
        dl=["sales-emea", "finance-close", "project-atlas", "site-leads"],
    ),
    situation(
        "col-dl-sender-restricted",
        "Distribution List",
        "mu",
        "User not allowed to send to a distribution list",
        ["cant send to dl", "not allowed to email list", "dl permission denied"],
        [
            "I get 'You do not have permission to send to this recipient' when mailing {dl}.",
            "My email to {dl} was rejected, I need to send the monthly update.",
            "Sending to the {dl} list bounces back as not permitted.",
        ],
        dl=["all-staff", "all-managers", "london-office", "all-finance"],
        error=[
            "You do not have permission to send to this recipient.",
            "550 5.7.1 RESOLVER.RST.NotAuthorized; not authorized",
        ],
    ),
    situation(
        "col-dl-leave-noise",
        "Distribution List",
        "m",
        "Request to stop emails from a noisy mailing list",
        ["too many emails from list", "stop list emails", "leave mailing list"],
        [
            "I get dozens of emails a day from {dl} that aren't relevant to me. Can I leave it?",
            "How do I stop receiving {dl} emails?",
            "Please unsubscribe me from {dl}, I'm not in that project any more.",
        ],
        request=True,
        group="Service Desk",
        dl=["project-orion", "eng-builds", "it-alerts", "sales-leads"],
    ),
    situation(
        "col-dl-convert-group",
        "Distribution List",
        "m",
        "Conversion of a distribution list to a Microsoft 365 group requested",
        ["convert dl to group", "dl to m365 group", "upgrade distribution list"],
        [
            "Could {dl} be converted to a Microsoft 365 group so we get a shared calendar?",
            "We'd like our distribution list {dl} turned into a team with a shared mailbox.",
            "Please upgrade {dl} to an M365 group.",
        ],
        request=True,
        dl=["finance-close", "project-atlas", "site-leads", "hr-partners"],
    ),
    situation(
        "col-dl-missing-gal",
        "Distribution List",
        "mu",
        "Distribution list missing from the address book",
        ["dl not in address book", "cant find distribution list", "dl missing"],
        [
            "I can't find {dl} in the address book any more.",
            "The {dl} list doesn't show up when I type it in Outlook.",
            "Outlook says 'the group could not be found' for {dl}.",
        ],
        dl=["london-office", "all-finance", "sales-emea", "it-announcements"],
        error=[
            "The group could not be found in the address book.",
            "The name cannot be matched to a name in the address list.",
        ],
    ),
    situation(
        "col-dl-dynamic-wrong",
        "Distribution List",
        "mu",
        "Dynamic distribution list has the wrong members",
        ["dl wrong members", "dynamic list incorrect", "wrong people on list"],
        [
            "The dynamic list {dl} includes people who left the {site} office.",
            "Our all-staff list for {site} misses the new starters.",
            "People from other departments receive emails sent to {dl}.",
        ],
        dl=["all-london", "all-madrid", "all-berlin", "all-managers"],
    ),
]

SECURITY = [
    # ---- Phishing
    situation(
        "sec-phish-fake-invoice",
        "Phishing",
        "mut",
        "Suspicious invoice email with a macro attachment reported",
        ["suspicious invoice email", "phishing invoice", "fake invoice mail"],
        [
            "I received an email about an overdue invoice from a supplier we don't use, with an .xlsm attachment.",
            "Suspicious email: 'Invoice #88231 overdue - payment required', sender address looks odd.",
            "Got an invoice email from '{vendor}' but the domain is misspelled and it asks me to enable macros.",
        ],
        error=[
            "Invoice #88231 overdue - payment required",
            "From: Accounts <billing@fabrikam-invoices.co>\n"
            "Subject: Invoice #88231 overdue\n"
            "Attachment: Invoice_88231.xlsm",
        ],
    ),
    situation(
        "sec-phish-credentials",
        "Phishing",
        "um",
        "User entered credentials on a fake login page from a phishing email",
        ["clicked phishing link", "entered password on fake page", "i think i got phished"],
        [
            "I clicked a link in an email saying my password expires today and entered my username and password.",
            "I think I fell for a phishing mail. The login page looked like ours but the address was strange.",
            "An email asked me to verify my mailbox, I logged in on the page and only then noticed the URL.",
        ],
        error=[
            "Action required: your password expires today",
            "From: Microsoft 365 <no-reply@rnicrosoft-support.com>\n"
            "Subject: Action required: your password expires today\n"
            "Link: hxxps://m365-verify-login[.]com/auth",
        ],
    ),
    situation(
        "sec-phish-ceo-fraud",
        "Phishing",
        "mu",
        "Email impersonating an executive asks for gift cards",
        ["ceo fraud email", "fake ceo asking gift cards", "impersonation email"],
        [
            "I got an email from our CEO's name asking me to buy gift cards urgently and keep it confidential.",
            "Someone pretending to be {manager} emailed from a Gmail address asking for a quick favour and my number.",
            "Email claiming to be from the CFO asks me to make an urgent bank transfer, the address isn't ours.",
        ],
        error=[
            "Are you at your desk? I need a quick favour.",
            "From: CEO <ceo.office.mail@gmail.com>\nSubject: Urgent and confidential",
        ],
    ),
    situation(
        "sec-phish-m365-login",
        "Phishing",
        "mut",
        "Phishing email imitating a Microsoft 365 login reported",
        ["fake microsoft email", "phishing m365", "fake login email"],
        [
            "I received a 'Microsoft 365' email saying my mailbox storage is full with a link to verify my account.",
            "Phishing mail pretending to be from IT asking us to re-enter our password on a login page.",
            "An email with our logo says a document was shared with me and asks me to sign in to view it.",
        ],
        error=[
            "Your mailbox storage is full - verify now to avoid losing emails",
            "{person} shared 'Q3 Bonus Overview.pdf' with you. Sign in to view.",
        ],
    ),
    situation(
        "sec-phish-parcel",
        "Phishing",
        "m",
        "Fake parcel delivery notification reported",
        ["fake parcel email", "dhl phishing", "delivery scam mail"],
        [
            "I got a DHL email saying my parcel is on hold and I need to pay a customs fee. I'm not expecting any "
            "parcel.",
            "Suspicious delivery notification asking me to confirm my address and card details.",
            "An email from a courier I don't know wants me to reschedule a delivery via a strange link.",
        ],
        error=[
            "DHL: your parcel is on hold, confirm your address",
            "Your package could not be delivered. Pay the 1.99 EUR customs fee.",
        ],
    ),
    situation(
        "sec-phish-sms",
        "Phishing",
        "mu",
        "Suspicious text message to the work phone reported",
        ["phishing text", "smishing", "suspicious sms"],
        [
            "I got a text on my work phone saying my account will be locked unless I click a link.",
            "Suspicious SMS pretending to be from our bank asking me to confirm a payment.",
            "A text message with the company name asks me to scan a QR code to keep my mailbox.",
        ],
        error=[
            "Your account will be locked today. Verify now: hxxp://corp-verify[.]info",
            "Bank alert: payment of 950.00 pending, confirm here",
        ],
    ),
    situation(
        "sec-phish-vishing",
        "Phishing",
        "mu",
        "Phone call from someone impersonating IT support reported",
        ["fake it support call", "vishing call", "someone called pretending to be it"],
        [
            "Someone called me saying they were from IT and asked me to read out my MFA code.",
            "A caller claiming to be from the service desk wanted me to install a remote support tool.",
            "I received a call from 'Microsoft support' asking for my login details.",
        ],
    ),
    situation(
        "sec-phish-bank-change",
        "Phishing",
        "mu",
        "Email requesting a change of supplier bank details reported",
        ["supplier bank details change email", "suspicious bank change request", "payment fraud email"],
        [
            "We received an email from {vendor} asking us to update their bank details for the next payment. The "
            "email address is slightly different.",
            "A supplier email says they changed banks and all invoices should now be paid to a new account.",
            "Suspicious request from '{vendor}' to change their IBAN before Friday's payment run.",
        ],
        error=[
            "Please note our new bank details for all future payments.",
            "Updated remittance details - urgent",
        ],
    ),
    situation(
        "sec-phish-qr",
        "Phishing",
        "mu",
        "Email with a suspicious QR code reported",
        ["qr code phishing", "suspicious qr email", "scan qr to keep account"],
        [
            "An email says I must scan a QR code to keep MFA active. It doesn't look right.",
            "I got a PDF with a QR code 'to review a shared document'.",
            "Suspicious QR code in an email from 'HR' about the new benefits portal.",
        ],
        error=[
            "Scan the QR code to keep multi-factor authentication active",
            "Your MFA settings expire today - scan to re-enrol",
        ],
    ),
    situation(
        "sec-phish-colleague-account",
        "Phishing",
        "ut",
        "Phishing email sent from a colleague's real account",
        ["phishing from colleague", "colleague account sending phishing", "strange email from coworker"],
        [
            "I received a strange email from {person}'s real address with a link to a shared file, they say they "
            "didn't send it.",
            "A colleague's mailbox is sending out 'please review this document' emails to everyone.",
            "Got a phishing email from an internal address in {dept}.",
        ],
        error=[
            "{person} has shared a document with you: Review_Contract.pdf",
            "Please review the attached file and sign in to view",
        ],
    ),
    situation(
        "sec-phish-campaign",
        "Phishing",
        "to",
        "Phishing campaign hitting many mailboxes",
        ["phishing campaign", "many people got phishing", "mass phishing email"],
        [
            "Lots of people in the office received the same phishing email about a salary review.",
            "A phishing mail 'Updated holiday policy' has gone to a large part of the company.",
            "We're seeing the same fake login email in many inboxes across {site}.",
        ],
        error=[
            "Updated holiday policy - read and confirm",
            "Subject: Salary review 2025 - confidential\nFrom: HR Department <hr@example-payroll.net>",
        ],
    ),
    # ---- Malware
    situation(
        "sec-mal-defender-alert",
        "Malware",
        "mu",
        "Antivirus detected a threat on the user's laptop",
        ["virus alert", "defender found threat", "antivirus popup"],
        [
            "Windows Defender popped up saying it found a threat: Trojan:Win32/Wacatac.B!ml.",
            "My antivirus says it quarantined something from my Downloads folder.",
            "Got a 'Threats found' notification after opening a file from a USB stick.",
        ],
        error=[
            "Trojan:Win32/Wacatac.B!ml detected",
            "Threat quarantined: PUA:Win32/Presenoker",
            "Microsoft Defender Antivirus\n"
            "Threat: Trojan:Win32/Wacatac.B!ml\n"
            "Severity: Severe\n"
            "File: C:\\Users\\Public\\Downloads\\invoice_viewer.exe\n"
            "Action: Quarantine failed",
        ],
    ),
    situation(
        "sec-mal-ransom-note",
        "Malware",
        "o",
        "Ransomware note and encrypted files found",
        ["ransomware", "files encrypted ransom note", "ransom message on screen"],
        [
            "My files have strange extensions and there's a text file saying they're encrypted and to pay in bitcoin.",
            "A ransom note appeared on my screen and I can't open any documents on {share}.",
            "All files in our department folder were renamed to .locked and there's a README about paying.",
        ],
        error=[
            "YOUR FILES ARE ENCRYPTED. To recover them, read README_RESTORE.txt",
            "Ransom:Win32/Conti.A",
        ],
    ),
    situation(
        "sec-mal-popups",
        "Malware",
        "mu",
        "Browser shows unwanted pop-ups and redirects",
        ["browser popups", "adware", "browser redirecting"],
        [
            "My browser keeps opening pop-up ads and redirecting to strange sites.",
            "{browser} opens new tabs with 'your computer is infected' messages.",
            "Search results in {browser} go to a different search engine full of ads.",
        ],
        error=[
            "Your computer is infected! Call support now",
            "Allow notifications to continue",
        ],
    ),
    situation(
        "sec-mal-usb-found",
        "Malware",
        "m",
        "Unknown USB stick found in the office",
        ["found usb stick", "unknown usb", "usb in car park"],
        [
            "I found a USB stick in the car park labelled 'Salaries 2025'. I haven't plugged it in.",
            "There's an unknown USB drive plugged into the back of the reception PC.",
            "Someone left USB sticks on desks in the {floor} floor kitchen.",
        ],
    ),
    situation(
        "sec-mal-macro-opened",
        "Malware",
        "u",
        "User opened an attachment and enabled macros",
        ["opened suspicious attachment", "enabled macros on bad file", "clicked enable content"],
        [
            "I opened a Word attachment and clicked 'Enable content' before I realised it was suspicious.",
            "I ran a file called invoice_viewer.exe from an email. Nothing seemed to happen.",
            "I opened a zip attachment from an unknown sender and a window flashed and disappeared.",
        ],
        error=[
            "SECURITY WARNING Macros have been disabled. Enable Content",
            "Behavior:Win32/SuspRemoteThread",
        ],
    ),
    situation(
        "sec-mal-strange-processes",
        "Malware",
        "u",
        "Unknown processes and high CPU on the user's laptop",
        ["strange processes", "laptop acting weird", "unknown program running"],
        [
            "My laptop fan runs at full speed and Task Manager shows a process I don't recognise using 90% CPU.",
            "Programs open and close by themselves and a command window flashes at startup.",
            "There's a new program called 'svchostt' running that I didn't install.",
        ],
        error=[
            "Behavior:Win32/SuspRemoteThread",
            "HEUR:Trojan.Script.Generic",
        ],
    ),
    situation(
        "sec-mal-browser-extension",
        "Malware",
        "mu",
        "Malicious browser extension installed",
        ["bad browser extension", "extension i didnt install", "browser hijacked"],
        [
            "An extension I never installed appeared in {browser} and changed my homepage.",
            "My browser has a 'PDF converter' extension that injects ads into every page.",
            "I can't remove a browser extension, it comes back after every restart.",
        ],
        error=[
            "This extension may have been corrupted",
            "Search engine changed by an extension",
        ],
    ),
    situation(
        "sec-mal-share-encrypted",
        "Malware",
        "to",
        "Files on a network share being encrypted",
        ["files on share encrypted", "share files renamed", "ransomware on share"],
        [
            "Files on {share} are being renamed with random extensions right now.",
            "Nobody can open documents on {share}, they all seem encrypted.",
            "We see thousands of files changing on {share} in the last hour.",
        ],
        error=[
            "Ransom:Win32/Conti.A",
            "Files renamed to *.locked, README_RESTORE.txt in every folder",
        ],
    ),
    situation(
        "sec-mal-fake-antivirus",
        "Malware",
        "um",
        "Fake antivirus warning asks the user to call a number",
        ["fake virus warning", "scam popup call number", "fake antivirus"],
        [
            "A full-screen warning says my PC is infected and to call a support number. I can't close it.",
            "My screen shows a fake 'Windows Security' alert with a phone number and beeping.",
            "A window claiming to be antivirus wants me to pay for a licence to remove viruses.",
        ],
        error=[
            "Windows Defender Security Warning: Access to this PC has been blocked. Call support: +1 555 0100",
            "Your PC is infected with 5 viruses!",
        ],
    ),
    situation(
        "sec-mal-mac-adware",
        "Malware",
        "m",
        "Adware suspected on a Mac",
        ["mac adware", "mac popups", "mac virus"],
        [
            "My MacBook keeps showing ads in Safari and a 'Mac cleaner' app appeared.",
            "Strange toolbar and pop-ups on my Mac since I installed a video converter.",
            "My Mac's browser homepage changed to a search site I don't know.",
        ],
        error=[
            "MacCleaner Pro found 1,204 issues",
            "Safari: search engine changed",
        ],
    ),
    situation(
        "sec-mal-cryptominer",
        "Malware",
        "uto",
        "Crypto-mining malware suspected on {server}",
        ["cryptominer on server", "server cpu mining", "xmrig found"],
        [
            "{server} is running at 100% CPU and we found a process called xmrig.",
            "Monitoring shows {server} connecting to a mining pool.",
            "An unknown process on {server} uses all the CPU and reconnects after we kill it.",
        ],
        voice="system",
        error=[
            "process xmrig using 380% CPU",
            "top - 09:14:02 up 41 days, load average: 31.72, 29.40, 25.11\n"
            "  PID USER  %CPU COMMAND\n"
            " 2231 www   380  xmrig",
        ],
    ),
    # ---- Data Loss
    situation(
        "sec-loss-laptop-lost",
        "Data Loss",
        "um",
        "Company laptop lost or stolen",
        ["laptop stolen", "lost my laptop", "laptop missing"],
        [
            "My laptop was stolen from my car last night. It had client files on it.",
            "I left my work laptop on the train this morning.",
            "My {laptop} was taken from a cafe while I was working. I've reported it to the police.",
        ],
    ),
    situation(
        "sec-loss-phone-lost",
        "Data Loss",
        "um",
        "Company phone lost and needs to be wiped",
        ["lost work phone", "phone stolen wipe", "company phone missing"],
        [
            "I lost my company phone in a taxi. Please wipe it, it has my email on it.",
            "My work {phone} was stolen at the airport.",
            "I can't find my work phone since the event yesterday. It has company data.",
        ],
    ),
    situation(
        "sec-loss-misdirected-email",
        "Data Loss",
        "ut",
        "Email with personal data sent to the wrong recipient",
        ["sent email to wrong person", "data sent to wrong customer", "misdirected email"],
        [
            "I accidentally sent a spreadsheet with customer data to the wrong external address.",
            "I emailed a payroll file to someone outside the company by mistake, autocomplete picked the wrong name.",
            "A contract with personal details went to the wrong customer this morning.",
        ],
    ),
    situation(
        "sec-loss-usb-lost",
        "Data Loss",
        "um",
        "USB drive with company data lost",
        ["lost usb with data", "usb stick missing", "memory stick lost"],
        [
            "I lost a USB stick with project documents on it. It wasn't encrypted.",
            "A memory stick with HR files went missing from my bag.",
            "I think I left my USB drive with client data at a customer site.",
        ],
    ),
    situation(
        "sec-loss-dlp-block",
        "Data Loss",
        "mu",
        "Data loss prevention policy blocked an outgoing email",
        ["dlp blocked email", "email blocked sensitive info", "policy tip blocking"],
        [
            "My email to an auditor was blocked: 'This message contains sensitive information'.",
            "I can't send a file to a customer, the DLP policy blocks it. It's a legitimate business need.",
            "Outlook shows a policy tip and won't send my email with bank details to a supplier.",
        ],
        voice="user",
        error=[
            "Policy tip: This message contains sensitive information (credit card number)",
            "DLP: upload of confidential file blocked",
        ],
    ),
    situation(
        "sec-loss-public-link",
        "Data Loss",
        "ut",
        "Confidential file shared publicly by link",
        ["file shared publicly", "anyone link shared", "confidential doc public link"],
        [
            "I realised a confidential price list on OneDrive was shared with an 'anyone with the link' link.",
            "A folder with HR documents was shared with a public link and the link is in an external email.",
            "The board pack was shared by link to people outside the company by mistake.",
        ],
        error=[
            "This item is shared with people outside your organisation",
        ],
    ),
    situation(
        "sec-loss-printed-docs",
        "Data Loss",
        "m",
        "Confidential printouts left at a shared printer",
        ["confidential printouts left", "documents found on printer", "payslips left on printer"],
        [
            "I found a pile of payslips left on the printer {printer_spot}.",
            "Someone printed customer contracts and left them on the shared printer overnight.",
            "Confidential HR letters are lying on the printer {printer_spot}.",
        ],
    ),
    situation(
        "sec-loss-leaver-download",
        "Data Loss",
        "ut",
        "Leaver suspected of downloading company data",
        ["leaver downloaded files", "data theft by leaver", "mass download before leaving"],
        [
            "An employee who resigned last week downloaded the whole customer list from {app}.",
            "We think a leaver copied project files to a personal USB drive before leaving.",
            "{person} left on Friday and we noticed large downloads from {share} on their last day.",
        ],
        error=[
            "Alert: unusual volume of file downloads",
            "Mass download: 4,812 files in 20 minutes",
        ],
    ),
    situation(
        "sec-loss-personal-cloud",
        "Data Loss",
        "mu",
        "Company files uploaded to a personal cloud account",
        ["uploaded to personal dropbox", "company files in personal cloud", "files in private google drive"],
        [
            "A colleague uploaded client files to their personal Dropbox to work from home.",
            "I accidentally synced a work folder to my personal Google Drive.",
            "We noticed files from {share} being uploaded to a private cloud account.",
        ],
        error=[
            "DLP: upload of confidential file blocked",
            "Alert: unusual volume of uploads to a personal cloud app",
        ],
    ),
    situation(
        "sec-loss-bag-stolen",
        "Data Loss",
        "um",
        "Bag with laptop and documents stolen",
        ["bag stolen with laptop", "bag stolen", "stolen documents and laptop"],
        [
            "My bag was stolen at the station with my laptop, badge and some printed contracts.",
            "Someone took my backpack with my work laptop and notebook in it.",
            "My bag was stolen from the car including the laptop and a folder of customer files.",
        ],
    ),
    # ---- Suspicious Activity
    situation(
        "sec-sus-unknown-signin",
        "Suspicious Activity",
        "mu",
        "Sign-in alert from an unfamiliar location",
        ["sign in from another country", "unusual sign in alert", "someone logged in as me"],
        [
            "I got an 'unusual sign-in activity' email about a login from Nigeria. That wasn't me.",
            "My account shows a sign-in from an IP I don't recognise at 3am.",
            "Microsoft says someone signed in to my account from another country.",
        ],
        error=[
            "Unusual sign-in activity: Lagos, Nigeria",
            "Unusual sign-in activity\n"
            "Country/region: Nigeria\n"
            "IP address: 102.89.34.11\n"
            "Date: today 03:14\n"
            "Platform: Windows\n"
            "Browser: Firefox",
        ],
    ),
    situation(
        "sec-sus-mfa-fatigue",
        "Suspicious Activity",
        "u",
        "Unrequested MFA prompts received",
        ["mfa prompts i didnt request", "getting approve sign in requests", "random mfa requests"],
        [
            "I keep getting MFA approval requests on my phone that I didn't trigger.",
            "My Authenticator asked me to approve a sign-in 20 times tonight, I denied them all.",
            "Random sign-in approvals pop up on my phone while I'm not logging in.",
        ],
        error=[
            "Approve sign-in request? Unknown location",
            "Are you trying to sign in?",
        ],
    ),
    situation(
        "sec-sus-password-changed",
        "Suspicious Activity",
        "u",
        "User password changed without their knowledge",
        ["password changed not by me", "someone changed my password", "password reset by someone else"],
        [
            "My password was changed this morning and it wasn't me.",
            "I got a 'your password was changed' email that I didn't do, and now I can't log in.",
            "Someone seems to have reset my password overnight.",
        ],
        error=[
            "Your password was changed",
            "The password for your account was recently changed.",
        ],
    ),
    situation(
        "sec-sus-inbox-rules",
        "Suspicious Activity",
        "u",
        "Unknown forwarding rule found in the mailbox",
        ["strange inbox rule", "emails forwarding to unknown address", "mail rule i didnt create"],
        [
            "I found a rule in my mailbox that forwards all emails to an external Gmail address.",
            "Some of my emails go straight to 'RSS Subscriptions' because of a rule I didn't create.",
            "Replies from customers disappear and there's a weird inbox rule.",
        ],
        error=[
            "New inbox rule created: move to RSS Subscriptions",
            "Rule: forward all messages to x8823@gmail.com",
        ],
    ),
    situation(
        "sec-sus-remote-control",
        "Suspicious Activity",
        "u",
        "Mouse moving by itself on the user's PC",
        ["mouse moving by itself", "someone controlling my pc", "remote control"],
        [
            "My mouse moved on its own and opened my email while I was watching.",
            "Someone seems to be controlling my computer remotely, windows open by themselves.",
            "I saw the cursor click around on my screen and type into the browser.",
        ],
    ),
    situation(
        "sec-sus-tailgating",
        "Suspicious Activity",
        "m",
        "Unknown person tailgated into the office",
        ["stranger in office", "tailgating", "unknown person in office"],
        [
            "A person without a badge followed me through the door at {site} and walked around the desks.",
            "Someone unknown was plugging a laptop into a network port in {room}.",
            "A man said he was from IT and asked to look at my PC, but nobody booked a visit.",
        ],
    ),
    situation(
        "sec-sus-port-scan",
        "Suspicious Activity",
        "to",
        "Port scanning detected from an internal host",
        ["port scan detected", "internal host scanning", "ids alert"],
        [
            "The IDS flagged {server} scanning other hosts on the internal network.",
            "We see one workstation in {site} probing hundreds of IP addresses.",
            "Firewall logs show repeated connection attempts from an internal machine to many ports.",
        ],
        voice="system",
        error=[
            "IDS alert: TCP port sweep from {server}",
            "ET SCAN Nmap Scripting Engine User-Agent Detected",
        ],
    ),
    situation(
        "sec-sus-spam-sent",
        "Suspicious Activity",
        "ut",
        "User account sending spam",
        ["my account sending spam", "people got emails from me", "spam from my mailbox"],
        [
            "Colleagues and customers got emails from me that I never sent.",
            "My Sent Items has hundreds of emails I didn't write.",
            "People say they're getting spam from my address.",
        ],
        error=[
            "Your account has been blocked from sending mail",
            "550 5.1.8 Access denied, bad outbound sender",
        ],
    ),
    situation(
        "sec-sus-unknown-device",
        "Suspicious Activity",
        "mt",
        "Unknown device connected to the network",
        ["unknown device on network", "rogue device", "unknown wifi access point"],
        [
            "There's a small box plugged into a network port under a desk on the {floor} floor.",
            "We found an unknown wireless access point broadcasting our company name.",
            "An unrecognised device appeared on the network in {site}.",
        ],
        error=[
            "New device on network: MAC 00:1A:2B:3C:4D:5E, vendor unknown",
        ],
    ),
    situation(
        "sec-sus-admin-created",
        "Suspicious Activity",
        "to",
        "Unexpected administrator account created",
        ["new admin account", "unknown admin", "privileged account created"],
        [
            "An admin account called 'support2' was created last night and nobody in IT knows about it.",
            "We noticed a new member in the Domain Admins group that nobody requested.",
            "Audit logs show a privileged account created outside of any change.",
        ],
        voice="system",
        error=[
            "Event ID 4728: A member was added to a security-enabled global group (Domain Admins)",
            "Event ID 4720: A user account was created: support2",
        ],
    ),
    situation(
        "sec-sus-vendor-portal",
        "Suspicious Activity",
        "mu",
        "Suspicious activity on a supplier portal account",
        ["strange activity supplier portal", "orders i didnt place", "vendor account misuse"],
        [
            "Our account on {vendor}'s portal shows orders nobody here placed.",
            "{vendor} says someone logged in with our credentials and changed the delivery address.",
            "I see logins to our {vendor} account from unknown locations.",
        ],
        error=[
            "New login from an unrecognised device",
            "Sign-in from unfamiliar IP address 185.220.101.4",
        ],
    ),
]

INFRASTRUCTURE = [
    # ---- Server
    situation(
        "inf-srv-down",
        "Server",
        "to",
        "Server {server} is down",
        ["{server} down", "server not responding", "server offline"],
        [
            "{server} is down and doesn't respond to ping.",
            "Monitoring shows {server} offline since {since}.",
            "{server} crashed and won't come back up, the console shows nothing.",
        ],
        error=[
            "Host {server} is DOWN (PING CRITICAL - Packet loss = 100%)",
            "The RPC server is unavailable.",
        ],
    ),
    situation(
        "inf-srv-high-cpu",
        "Server",
        "mut",
        "Server {server} running at high CPU",
        ["{server} high cpu", "server cpu 100", "server overloaded"],
        [
            "{server} has been at 100% CPU for the last hour.",
            "CPU on {server} stays above 95% and the app on it is slow.",
            "We get constant high CPU alerts from {server}.",
        ],
        error=[
            "CPU utilisation above 95% for 45 minutes",
            "top - 09:14:02 up 41 days, load average: 31.72, 29.40, 25.11\n%Cpu(s): 99.1 us, 0.6 sy, 0.0 ni, 0.1 id",
        ],
    ),
    situation(
        "inf-srv-new-vm",
        "Server",
        "mu",
        "New virtual machine requested",
        ["new vm request", "need a server", "virtual machine request"],
        [
            "We need a new virtual machine for the {app} test environment: 4 CPU, 16 GB RAM, Windows Server.",
            "Please provision a Linux VM for our new reporting service.",
            "Could you build two new servers for the {project} project?",
        ],
        request=True,
        project=["Phoenix", "Atlas", "Orion", "Nova", "Helios"],
    ),
    situation(
        "inf-srv-cert-expiring",
        "Server",
        "m",
        "SSL certificate on {server} about to expire",
        ["certificate expiring", "ssl cert expired", "cert renewal"],
        [
            "The SSL certificate on {server} expires in 5 days.",
            "The certificate for {hostname} expires at the end of the month and needs renewing.",
            "Our monitoring says the TLS certificate for {hostname} is about to expire.",
        ],
        error=[
            "SSL certificate for {hostname} expires in 5 days",
            "Certificate expiry warning: CN={hostname}",
        ],
    ),
    situation(
        "inf-srv-patch-reboot",
        "Server",
        "m",
        "Reboot of {server} requested in a maintenance window",
        ["reboot server", "server restart request", "maintenance reboot"],
        [
            "Please reboot {server} during tonight's maintenance window to finish the patches.",
            "Can {server} be restarted on {weekday} evening? It's pending a reboot.",
            "We need a scheduled restart of {server} after the application update.",
        ],
        request=True,
    ),
    situation(
        "inf-srv-rdp",
        "Server",
        "ut",
        "Cannot connect to {server} via remote desktop",
        ["cant rdp to server", "rdp fails", "remote desktop server"],
        [
            "Remote desktop to {server} fails with 'the remote computer refused the connection'.",
            "I can't log in to {server} via RDP, it hangs on 'configuring remote session'.",
            "RDP to {server} stopped working since the patching.",
        ],
        error=[
            "The remote computer refused the connection.",
            "An internal error has occurred.",
        ],
    ),
    situation(
        "inf-srv-service-stopped",
        "Server",
        "uto",
        "Application service on {server} stopped",
        ["service stopped", "windows service not starting", "service crashed on server"],
        [
            "The {app} service on {server} stopped and won't start again.",
            "A service on {server} terminated unexpectedly and {app} is unavailable.",
            "The application service on {server} keeps crashing every few minutes.",
        ],
        error=[
            "The service terminated unexpectedly.",
            "Event ID 7031: The {app} Service service terminated unexpectedly. It has done this 3 time(s).",
        ],
    ),
    situation(
        "inf-srv-hardware-alarm",
        "Server",
        "mt",
        "Hardware alarm on server {server}",
        ["server hardware alarm", "psu failure", "server fan alarm"],
        [
            "The iDRAC on {server} reports a power supply failure.",
            "Amber light on {server} in the rack, the management console shows a failed fan.",
            "Hardware alert: memory errors reported on {server}.",
        ],
        error=[
            "Power supply 2 failure detected",
            "Fan 3 failed",
            "Correctable memory error rate exceeded for DIMM A2",
        ],
    ),
    situation(
        "inf-srv-time-drift",
        "Server",
        "um",
        "Clock drift on {server}",
        ["time wrong on server", "ntp issue", "clock drift"],
        [
            "The clock on {server} is 7 minutes ahead and Kerberos logins fail.",
            "{server} shows the wrong time, NTP sync seems broken.",
            "Timestamps in the logs on {server} don't match the other servers.",
        ],
        error=[
            "The time difference between the client and server is too great (KRB_AP_ERR_SKEW)",
            "NTP: no server suitable for synchronization found",
        ],
    ),
    situation(
        "inf-srv-decommission",
        "Server",
        "m",
        "Decommissioning of {server} requested",
        ["decommission server", "retire server", "shut down old server"],
        [
            "{server} is no longer used. Please decommission it.",
            "We'd like to retire {server} after the migration, can you plan the shutdown?",
            "Please remove {server} and its backups, the application was replaced.",
        ],
        request=True,
    ),
    situation(
        "inf-srv-memory",
        "Server",
        "umt",
        "Server {server} running out of memory",
        ["server out of memory", "memory full server", "ram usage high server"],
        [
            "{server} is at 98% memory and starts swapping.",
            "The application on {server} crashes with out-of-memory errors.",
            "Memory usage on {server} keeps growing until the service restarts.",
        ],
        error=[
            "Out of memory: Killed process 2314 (java)",
            "Memory usage 98% on {server}",
        ],
    ),
    # ---- Storage
    situation(
        "inf-sto-db-disk-full",
        "Storage",
        "uto",
        "Data disk full on database server {dbserver}",
        ["disk full on {dbserver}", "db server disk full", "no space on db server"],
        [
            "The data disk on {dbserver} is full, the database can't grow any more.",
            "{dbserver} has 0 bytes free on the data volume since {since}.",
            "Disk alert: the volume holding the database files on {dbserver} is at 100%.",
        ],
        error=[
            "No space left on device",
            "/dev/sdb1 100% /var/lib/mysql",
            "Disk E: has 0 bytes free",
            "Could not allocate space for object in database because the 'PRIMARY' filegroup is full.",
        ],
    ),
    situation(
        "inf-sto-share-full",
        "Storage",
        "ut",
        "File share {share} is full",
        ["{share} full", "shared drive full", "cant save to share"],
        [
            "{share} is full and nobody can save files.",
            "Saving to {share} fails with 'not enough space'.",
            "The file share {share} is at {percent}% and people get errors saving.",
        ],
        error=[
            "There is not enough space on the disk.",
            "Quota exceeded",
            "Alert: volume {share} is at {percent}%",
        ],
    ),
    situation(
        "inf-sto-quota-increase",
        "Storage",
        "mu",
        "Storage quota increase requested for {share}",
        ["more space on share", "quota increase", "increase storage"],
        [
            "Could the quota on {share} be increased by 200 GB? We're at {percent}%.",
            "We need more space for {share}, the project data keeps growing.",
            "Please extend the storage for the {dept} drive, we keep hitting the limit.",
        ],
        request=True,
    ),
    situation(
        "inf-sto-san-latency",
        "Storage",
        "to",
        "High storage latency on the SAN",
        ["san latency", "storage slow", "disk latency high"],
        [
            "We see very high disk latency on the SAN, all VMs on it are slow.",
            "Storage latency alerts on the main array, several servers are affected.",
            "The datastore on the SAN is responding very slowly since {since}.",
        ],
        error=[
            "Datastore latency 180 ms (threshold 20 ms)",
            "Device performance has deteriorated. I/O latency increased from 2 ms to 180 ms.",
        ],
    ),
    situation(
        "inf-sto-new-share",
        "Storage",
        "m",
        "New file share requested",
        ["new shared folder", "create network share", "new file share"],
        [
            "Please create a new shared folder for the {dept} team with access for {count} people.",
            "We need a network share for the {project} project.",
            "Could you set up a file share for scanned documents?",
        ],
        request=True,
        project=["Phoenix", "Atlas", "Orion", "Nova", "Helios"],
    ),
    situation(
        "inf-sto-nas-offline",
        "Storage",
        "to",
        "NAS at {site} offline",
        ["nas offline", "nas down", "network storage down"],
        [
            "The NAS at the {site} office is offline, none of the mapped drives work.",
            "Our local storage box in {site} doesn't respond since {since}.",
            "The NAS in the {site} comms room shows a red status light.",
        ],
        error=[
            "The network path was not found.",
            "\\\\nas01 is not accessible. You might not have permission to use this network resource.",
        ],
    ),
    situation(
        "inf-sto-raid-degraded",
        "Storage",
        "mt",
        "RAID array degraded on {server}",
        ["raid degraded", "disk failed in raid", "failed drive server"],
        [
            "The RAID array on {server} is degraded, one disk has failed.",
            "Alert: physical disk 3 failed on {server}, virtual disk degraded.",
            "{server} beeps and the controller says the array is rebuilding.",
        ],
        error=[
            "RAID 5 virtual disk degraded: physical disk 3 failed",
            "Predictive failure reported on physical disk 1:2",
        ],
    ),
    situation(
        "inf-sto-snapshot-space",
        "Storage",
        "mu",
        "Snapshot space running out on a volume",
        ["snapshot space full", "snapshots filling disk", "snapshot reserve"],
        [
            "Snapshots are filling up the volume for {share}, {percent}% used.",
            "The snapshot reserve on the file server volume is almost full.",
            "Old snapshots are taking up most of the space on the storage array.",
        ],
        error=[
            "Snapshot reserve {percent}% used",
            "Volume snapshot space exhausted",
        ],
    ),
    situation(
        "inf-sto-archive",
        "Storage",
        "m",
        "Archiving of old project data requested",
        ["archive old data", "move data to archive", "archive request"],
        [
            "Please archive the old project folders on {share} that haven't been used since 2019.",
            "Could we move completed projects to archive storage to free space?",
            "We'd like to archive the data of a closed department.",
        ],
        request=True,
    ),
    situation(
        "inf-sto-log-volume",
        "Storage",
        "mut",
        "Log volume full on {server}",
        ["log disk full", "logs filling disk", "var log full"],
        [
            "The log partition on {server} is full and the application stopped writing logs.",
            "/var/log on {server} is at 100%.",
            "Log files on {server} filled the disk overnight.",
        ],
        error=[
            "No space left on device",
            "$ df -h /var/log\n"
            "Filesystem            Size  Used Avail Use% Mounted on\n"
            "/dev/mapper/vg-log     20G   20G     0 100% /var/log",
        ],
    ),
    situation(
        "inf-sto-cloud-bucket",
        "Storage",
        "um",
        "Cloud storage account nearly full",
        ["blob storage full", "cloud storage quota", "bucket full"],
        [
            "The cloud storage account for {app} exports is at {percent}% of its quota.",
            "Uploads to our storage bucket fail with 'Quota exceeded'.",
            "The blob container used for document scans is running out of space.",
        ],
        error=[
            "Quota exceeded",
            "Storage account capacity {percent}% used",
        ],
    ),
    # ---- Backup
    situation(
        "inf-bkp-restore-file",
        "Backup",
        "mu",
        "Restore of a deleted file from backup requested",
        ["restore deleted file", "file deleted need restore", "recover file from backup"],
        [
            "I accidentally deleted a folder on {share} yesterday. Can it be restored from backup?",
            "Please restore the file 'Budget_2025.xlsx' from {share} as it was on {weekday}.",
            "A colleague overwrote an important document on {share}. Can we get the version from last week?",
        ],
        request=True,
    ),
    situation(
        "inf-bkp-job-failed",
        "Backup",
        "mu",
        "Nightly backup job failed for {server}",
        ["backup failed", "backup job error", "nightly backup failed"],
        [
            "The nightly backup of {server} failed with a VSS error.",
            "Backup job 'Nightly-Full' finished with Failed for the third night.",
            "The backup report shows {server} failed last night.",
        ],
        error=[
            "Job 'Nightly-Full' finished with Failed",
            "VSS snapshot creation failed",
            "Job 'Nightly-Full' finished with Failed\n"
            "Processing {server} Error: VSS error: VSS_E_SNAPSHOT_SET_IN_PROGRESS\n"
            "Retry 3 of 3 failed",
        ],
    ),
    situation(
        "inf-bkp-restore-db",
        "Backup",
        "u",
        "Database restore from backup requested",
        ["restore database", "db restore request", "restore db from backup"],
        [
            "Please restore the {db} database to yesterday 18:00 on the test server.",
            "We need a restore of {db} from last night's backup, a script deleted data.",
            "Could you restore {db} as of {weekday} into a separate copy so we can compare?",
        ],
        request=True,
        group="Database Administration",
    ),
    situation(
        "inf-bkp-offsite-question",
        "Backup",
        "m",
        "Question about backup retention and offsite copies",
        ["backup retention question", "how long are backups kept", "offsite backup"],
        [
            "How long do we keep backups of {share}? Auditors are asking.",
            "Are our backups copied offsite? I need it for a customer questionnaire.",
            "What is the retention period for mailbox backups?",
        ],
        request=True,
    ),
    situation(
        "inf-bkp-new-server",
        "Backup",
        "mu",
        "New server to be added to the backup schedule",
        ["add server to backup", "server not backed up", "backup new server"],
        [
            "Please add the new server {server} to the nightly backups.",
            "We noticed {server} isn't included in any backup job.",
            "Could the new VMs for {app} be added to the backup schedule?",
        ],
        request=True,
    ),
    situation(
        "inf-bkp-overrunning",
        "Backup",
        "umt",
        "Backup jobs overrunning into business hours",
        ["backup running too long", "backup slow", "backup still running morning"],
        [
            "The backup of {server} is still running at 9am and slowing everything down.",
            "Backups take twice as long as last month and overlap with the working day.",
            "The nightly full backup overruns and the morning jobs wait for it.",
        ],
        error=[
            "Job 'Nightly-Full' is still running (duration 13:42:10)",
        ],
    ),
    situation(
        "inf-bkp-restore-vm",
        "Backup",
        "uto",
        "Virtual machine {server} to be restored from backup",
        ["restore vm", "vm restore needed", "restore server from backup"],
        [
            "{server} was corrupted during an update. Please restore the VM from last night's backup.",
            "We need {server} restored from backup, the system disk is broken.",
            "Can you restore the whole VM {server} to the state of {weekday}?",
        ],
        error=[
            "INACCESSIBLE_BOOT_DEVICE",
            "Operating system not found",
        ],
    ),
    situation(
        "inf-bkp-retention-change",
        "Backup",
        "m",
        "Change of backup retention requested",
        ["change backup retention", "keep backups longer", "retention policy change"],
        [
            "Please keep backups of {share} for 7 years instead of 1, it's a legal requirement.",
            "Could the retention for {db} backups be extended to 90 days?",
            "We'd like monthly backups of {server} to be kept for a year.",
        ],
        request=True,
    ),
    situation(
        "inf-bkp-repo-full",
        "Backup",
        "mut",
        "Backup repository out of space",
        ["backup storage full", "backup repository full", "backup target no space"],
        [
            "The backup repository is out of free space and jobs are failing.",
            "Backup storage is at {percent}% and last night's jobs were skipped.",
            "The backup target ran out of space, several jobs failed.",
        ],
        error=[
            "Backup repository is out of free space",
            "There is not enough space on the disk. Failed to create backup file.",
        ],
    ),
    situation(
        "inf-bkp-test-restore",
        "Backup",
        "m",
        "Test restore requested for audit",
        ["test restore", "restore test audit", "prove backups work"],
        [
            "For the audit we need a test restore of {server} documented.",
            "Please run a test restore of {db} so we can show the backups work.",
            "Could you do a restore test of a sample of files from {share}?",
        ],
        request=True,
    ),
    situation(
        "inf-bkp-db-log-backup",
        "Backup",
        "mut",
        "Database log backups failing on {dbserver}",
        ["log backups failing", "transaction log backup failed", "db backup failing"],
        [
            "The transaction log backups on {dbserver} have been failing since {since}.",
            "Log backups for {db} on {dbserver} fail every 15 minutes with an error.",
            "Backup alerts: the database log backup job on {dbserver} failed again.",
        ],
        group="Database Administration",
        error=[
            "BACKUP LOG is terminating abnormally.",
            "Msg 4214: BACKUP LOG cannot be performed because there is no current database backup.",
        ],
    ),
    # ---- Database
    situation(
        "inf-db-slow-queries",
        "Database",
        "umt",
        "Slow queries on the {db} database",
        ["database slow", "queries slow {db}", "db performance"],
        [
            "Queries on {db} are very slow since {since}, reports that took seconds now take minutes.",
            "{app} is slow and the DBAs' dashboard shows long-running queries on {db}.",
            "The {db} database on {dbserver} is responding very slowly.",
        ],
        error=[
            "Query duration 214 s (threshold 10 s)",
            "Timeout expired. The timeout period elapsed prior to completion of the operation.",
        ],
    ),
    situation(
        "inf-db-down",
        "Database",
        "o",
        "Database {db} on {dbserver} is down",
        ["database down", "{db} offline", "db server down"],
        [
            "The {db} database on {dbserver} is down, every application using it shows connection errors.",
            "{dbserver} database service won't start, {app} is completely down.",
            "We lost the {db} database, nothing can connect since {since}.",
        ],
        error=[
            "A network-related or instance-specific error occurred while establishing a connection to SQL Server.",
            "ORA-12541: TNS:no listener",
            'psql: error: connection to server at "{dbserver}" failed: Connection refused',
        ],
    ),
    situation(
        "inf-db-deadlocks",
        "Database",
        "ut",
        "Frequent deadlocks in the {db} database",
        ["deadlocks", "db deadlock errors", "transactions failing deadlock"],
        [
            "We see frequent deadlocks in {db}, transactions fail with 'Deadlock found when trying to get lock'.",
            "Users of {app} get deadlock errors when saving orders.",
            "Deadlocks in {db} have increased a lot since the last release.",
        ],
        error=[
            "Deadlock found when trying to get lock; try restarting transaction",
            "Transaction (Process ID 84) was deadlocked on lock resources with another process and has "
            "been chosen as the deadlock victim.",
        ],
    ),
    situation(
        "inf-db-log-full",
        "Database",
        "to",
        "Transaction log full on the {db} database",
        ["transaction log full", "db log full", "msg 9002"],
        [
            "The transaction log for {db} is full, inserts fail with Msg 9002.",
            "{db} stopped accepting writes because the log file is full.",
            "Error 9002 on {dbserver}: the transaction log for database {db} is full.",
        ],
        error=[
            "Msg 9002, Level 17, State 2, Line 1\nThe transaction log for database '{db}' is full due to 'LOG_BACKUP'.",
        ],
    ),
    situation(
        "inf-db-new-database",
        "Database",
        "mu",
        "New database requested",
        ["new database request", "create database", "need a db"],
        [
            "Please create a new SQL database for the {project} application, about 50 GB.",
            "We need a PostgreSQL database for a new internal tool.",
            "Could you set up a new database on {dbserver} for our reporting project?",
        ],
        request=True,
        project=["Phoenix", "Atlas", "Orion", "Nova", "Helios"],
    ),
    situation(
        "inf-db-readonly-login",
        "Database",
        "m",
        "Read-only database login requested for reporting",
        ["read only db login", "reporting user for database", "db access for report"],
        [
            "We need a read-only login on {db} for the new Power BI reports.",
            "Please create a reporting user with read access to {db}.",
            "Could the BI team get a read-only account on {dbserver}?",
        ],
        request=True,
    ),
    situation(
        "inf-db-replication-lag",
        "Database",
        "mut",
        "Replication lag on the {db} replica",
        ["replication lag", "replica behind", "db replica delay"],
        [
            "The {db} replica is 3 hours behind the primary.",
            "Reports from the read replica show old data, replication seems stuck.",
            "Replication from {dbserver} to the DR site is lagging.",
        ],
        error=[
            "Replication lag: 10823 seconds",
            "Seconds_Behind_Master: 10823",
        ],
    ),
    situation(
        "inf-db-schema-change",
        "Database",
        "mu",
        "Database schema change deployment requested",
        ["deploy db change", "schema change request", "run sql script"],
        [
            "Please run the attached schema change script on {db} in production during the release window.",
            "We need a new index and two columns added in {db}, script attached.",
            "Could the DBAs deploy our database changes for release 4.2 on {weekday}?",
        ],
        request=True,
    ),
    situation(
        "inf-db-refresh-test",
        "Database",
        "m",
        "Refresh of the test database from production requested",
        ["refresh test db", "copy prod to test", "test database refresh"],
        [
            "Please refresh the test copy of {db} from production.",
            "Could the UAT database be refreshed with last week's production data?",
            "We need the {db} test environment refreshed before testing starts on {weekday}.",
        ],
        request=True,
    ),
    situation(
        "inf-db-corruption",
        "Database",
        "uto",
        "Corruption errors reported in the {db} database",
        ["db corruption", "consistency errors", "checkdb errors"],
        [
            "DBCC CHECKDB reports consistency errors in {db}.",
            "Queries on one table in {db} fail with a page corruption error.",
            "{app} shows errors reading records, the log says the database page is corrupt.",
        ],
        error=[
            "Msg 824: SQL Server detected a logical consistency-based I/O error: incorrect checksum.",
            "CHECKDB found 0 allocation errors and 3 consistency errors in database '{db}'.",
        ],
    ),
    situation(
        "inf-db-connections",
        "Database",
        "to",
        "Database refuses connections: too many clients",
        ["too many connections", "db connection limit", "connection pool exhausted"],
        [
            "{dbserver} refuses new connections: 'FATAL: sorry, too many clients already'.",
            "{app} can't connect to the database, the connection pool is exhausted.",
            "The database on {dbserver} hit its max connections and applications fail.",
        ],
        error=[
            "FATAL: sorry, too many clients already",
            "Timeout expired. The timeout period elapsed prior to obtaining a connection from the pool.",
        ],
    ),
    situation(
        "inf-db-tablespace",
        "Database",
        "uto",
        "Tablespace full in the {db} database",
        ["tablespace full", "ora-01653", "db cant extend"],
        [
            "Posting fails with ORA-01653: unable to extend table in {db}.",
            "The USERS tablespace in {db} is full.",
            "{app} can't save new records, the database says it can't extend the tablespace.",
        ],
        error=[
            "ORA-01653: unable to extend table FIN.GL_LINES by 8192 in tablespace USERS",
            "ORA-01653: unable to extend table FIN.GL_LINES by 8192 in tablespace USERS\n"
            'ORA-06512: at "FIN.POST_JOURNAL", line 112',
        ],
    ),
]

SITUATIONS: list[Situation] = ACCESS + HARDWARE + SOFTWARE + NETWORK + COLLABORATION + SECURITY + INFRASTRUCTURE

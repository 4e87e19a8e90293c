"""Word lists behind the report quality checks in `pmflow.quality`.

Kept apart from the checks so the logic stays readable; every list here was written for pmflow.
The lists are deliberately conservative: a word belongs in `GENERIC` only when an action made of
such words alone could not be finished and checked by anyone ("improve monitoring", "fix the
issue"); a first name belongs in `FIRST_NAMES` only when it is not also a common English word or
the name of a well-known tool (no "Will", "Grace", "Ruby", "Jenkins").
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that carry no object of their own: articles, pronouns, modal and linking verbs, fillers.
STOPWORDS = _words(
    """
    a an the of for to in on at by with from into onto about around across through throughout
    our we us you your i me my all any some this that these those it its and or nor so as be is
    are was were been being do does did done there their them they what which who whom how when
    where why if then than up out over off again also etc eg ie e.g i.e via per each every other
    same such very much many lot lots just only still even going forward future possible need
    needs needed should must will would can could may might shall make makes sure ensure ensures
    properly proper appropriate appropriately further generally team's before after during
    between within without while until once whether both either one ones everything something
    anything way ways has have had having get gets got getting let let's lets please maybe
    perhaps possibly potentially hopefully really actually basically somehow kind sort bit
    owner assignee due tbd asap soon later here now yet already ahead
    """
)

# Content words that name an area or an intention rather than a concrete object.
GENERIC = _words(
    """
    improve improves improving improved improvement improvements enhance enhancement
    enhancements better best good great review reviews reviewing revisit revisiting look looking
    investigate investigating investigation check checks checking monitor monitoring fix fixes
    fixing address addressing handle handling follow follow-up follow-ups followup followups
    update updates updating add adding work working communicate communicating communication
    communications comms discuss discussing discussion consider considering think thinking train
    training retrain remind reminder educate education clean cleanup clean-up tidy test tests
    testing tested document documenting documentation docs doc increase increasing reduce
    reducing strengthen tighten harden avoid prevent prevention happen happens happening
    occur recur recurring recurrence again pay attention careful carefully double-check
    vigilant vigilance aware awareness proactive proactively diligent thorough mindful cautious
    understand understanding learn learning lessons lesson learned learnt keep eye track
    tracking watch stay top figure find explore exploring research dig deal tackle optimize
    optimise optimization optimisation streamline revise rework refine reassess re-evaluate
    evaluate assess assessment analyse analyze analysis plan planning prepare preparation set
    setup put place create write implement take sync align talk meet meeting coordinate
    coordination collaborate collaboration share sharing help manage management own ownership
    clarify define establish introduce adopt maintain continue start begin try attempt go see
    verify validate confirm triple retro retrospective postmortem post-mortem rca incident
    incidents outage outages issue issues problem problems bug bugs error errors failure
    failures mistake mistakes situation thing things stuff area areas part parts aspect aspects
    gap gaps risk risks root cause causes happened process processes procedure procedures
    practice practices policy policies guideline guidelines standard standards workflow
    workflows system systems infrastructure infra platform service services tooling tools tool
    code codebase quality reliability stability performance security safety resilience
    robustness visibility observability alerting alerts alert alarms alarm logging logs log
    metrics dashboards dashboard coverage qa ci cd pipeline pipelines deploy deploys deploying
    deployment deployments release releases releasing rollout rollouts change changes config
    configuration configs capacity scaling backups backup runbook runbooks playbook playbooks
    on-call oncall escalation escalations handoff handoffs handover handovers onboarding team
    teams people everyone everybody staff engineers engineer developers devs folks stakeholders
    customers customer client clients vendor vendors users user expectations scope requirements
    estimates estimation timelines deadlines hygiene culture accountability response responses
    knowledge information info status health robust reliable stable safe safer faster quicker
    easier sooner earlier more less fewer improved next time times whole entire related relevant
    necessary various certain similar current existing new old internal external overall
    general closely regularly engineering support product operations ops sales environment
    environments prod production staging options option approach approaches strategy
    strategies way handling instead time-frame sprint going-forward anymore properly
    stabilise stabilize stabilising stabilizing resilient chat conversation sturdier
    threshold thresholds setting settings limit limits rule rules permission permissions access
    parameter parameters values defaults tech debt technical mttr mttd
    """
)

# Words that stand for the due date rather than the action ("improve monitoring by Friday").
DATE_WORDS = _words(
    """
    monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri
    sat sun today tomorrow tonight eod eow eom eoq week weeks month months quarter quarters
    sprint sprints next this end q1 q2 q3 q4 h1 h2 january february march april may june july
    august september october november december jan feb mar apr jun jul aug sep sept oct nov dec
    weekend morning afternoon evening
    """
)

# Verbs that name a deliverable: "investigate X *and document* ...", "*then add* ...".
DELIVERABLE_VERBS = _words(
    """
    add write document file publish create open propose draft implement configure set enable
    disable remove delete replace update share present post record decide schedule automate fix
    patch raise submit produce land ship merge link attach capture summarise summarize list
    report recommend pick choose agree put turn move migrate upgrade rotate block revert roll
    apply deploy send book run hand deliver estimate cap limit pin tag label ticket page alert
    route reissue rerun re-run backfill reconcile escalate notify email close restore replay
    purge drop rename split archive retire disable document quantify benchmark measure
    """
)

# First names (as written, capitalised) recognised as a person in blame framing. Common names
# across many languages, minus those that double as words or tool names.
FIRST_NAMES = _words(
    """
    Aaron Abdul Abhishek Abigail Adam Adebayo Aditi Aditya Adrian Adriana Agnes Ahmed Ahmad
    Aidan Aiko Aisha Akira Alan Alberto Alejandro Aleksandr Alex Alexander Alexandra
    Alexei Alexis Alfredo Ali Alice Alicia Alison Amanda Amara Amir Amit Amy Ana Anders
    Andre Andrea Andreas Andrei Andres Andrew Andy Angela Angelica Anika Anita Anja Ankit Ann
    Anna Anne Annika Anthony Anton Antonio Anu Arjun Arnav Arthur Arturo Asha Ashley Astrid
    Ayesha Barbara Beatriz Ben Benjamin Bernard Bettina Bianca Bjorn Björn Bob Bogdan Boris
    Brandon Brenda Brian Bryan Caitlin Camila Carl Carla Carlos Carmen Carol Carolina
    Caroline Catherine Cecilia Cesar Charles Charlie Charlotte Chen Chiara Chidi Chloe Chris
    Christian Christina Christine Christopher Chukwuemeka Claire Clara Claudia Colin Connor
    Craig Cristina Dan Dana Daniel Daniela Daniele Danielle Dario Darius Dave David Deborah
    Deepak Denis Dennis Derek Diana Diego Dimitri Dmitri Dmitry Divya Dominik Dong Doris Dylan
    Ebony Eduardo Edward Ekaterina Elena Eleni Elias Elif Elijah Elisa Elizabeth Ella Ellen
    Emeka Emil Emily Emma Emmanuel Enrique Eric Erik Erin Ernesto Esther Ethan Eugene Eva
    Evan Evelyn Fabian Fatima Felipe Felix Fernando Filip Fiona Florian Francesca Francesco
    Francisco Franz Freya Gabriel Gabriela Gareth Gary George Georg Gerald Gianluca Gina
    Giovanni Giulia Giuseppe Gloria Gonzalo Gordon Greg Gregory Gustavo Hamid Hana Hannah
    Hans Haruto Hassan Hector Heidi Helen Helena Henrik Henry Hiroshi Ian Ibrahim Igor
    Ilya Imani Ines Ingrid Irene Isaac Isabel Isabella Ivan Jacob Jake James Jamie Jana
    Jane Janet Jason Javier Jean Jeff Jennifer Jens Jeremy Jessica Jiho Jin Joan Joao João
    Joe Johan Johannes John Jonas Jonathan Jorge Jose José Joseph Josh Joshua Juan Judith
    Julian Julie Julien Jun Justin Kai Kamal Karen Karim Karin Karl Kate Katarzyna Katherine
    Kathy Katie Kavya Keisha Keith Kelly Kenji Kevin Kim Kofi Krishna Kristina Kumar Kwame
    Kyle Lakshmi Lara Lars Laura Lauren Leila Lena Leo Leon Leonardo Liam Lina Linda Lisa
    Liu Lorenzo Louis Lucas Lucia Lucy Luis Luka Lukas Luke Magda Magnus Mahmoud Maja Malik
    Manuel Marco Marcus Margaret Maria Mariam Marie Marina Mario Marisol Marta Martin Mary
    Mateo Matt Matteo Matthew Matthias Maya Mehmet Mei Melissa Mia Michael Michelle Miguel
    Mihai Mikael Mike Mikhail Milan Mohamed Mohammed Monica Mustafa Nadia Nadine Naomi
    Natalia Natasha Nathan Nia Nicholas Nico Nicolas Nicole Nikhil Nikita Nikolai Nina Noah
    Nora Nuno Obi Olga Oliver Olivia Oluwaseun Omar Oscar Pablo Paolo Patricia Patrick Paul
    Paula Pavel Pedro Peter Petra Philip Philipp Pieter Pierre Pooja Prakash Priya Rachel
    Rafael Rahul Raj Rajesh Ramon Rana Raquel Rashid Rebecca Reza Ricardo Richard Rita Rob
    Robert Roberto Rohan Roman Ronald Rosa Ryan Sakura Sally Salma Sam Samantha Samir Samuel
    Sandra Sanjay Sara Sarah Sasha Satoshi Scott Sean Sebastian Sergei Sergey Sergio Shreya
    Simon Simone Sofia Sophia Sophie Stefan Stefano Steph Stephanie Stephen Steve Steven Sunil
    Susan Sven Takeshi Tamara Tanya Tariq Teresa Thabo Theo Thomas Tim Timothy Tobias Tom
    Tomas Tomasz Tony Uche Valentina Vanessa Vera Veronica Victor Vikram Vincent Vivek
    Wei Wendy William Xavier Xin Yara Yasmin Yuki Yusuf Yvonne Zainab Zara Zoe Zoltan Zeynep
    """
)

# Nouns for a person in a role; with a failure verb they make a person the subject of a failure.
ROLE_NOUNS = (
    r"engineer|developer|dev|intern|contractor|admin|administrator|sysadmin|dba|sre|"
    r"technician|tech|release manager|reviewer|support agent|rep|representative|project manager|"
    r"analyst|tester|new hire|consultant|employee|on-?call|on-?call engineer|team lead|"
    r"product owner|account manager|person responsible"
)
